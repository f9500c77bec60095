package store

import (
	"collect"
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// orgScope limits the organisations an actor sees: the platform all of
// them, anyone else only their own.
func orgScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if a.OrgKind == collect.KindPlatform && a.Has(collect.RolePlatformAdmin) {
			return db
		}
		return db.Where("organisations.id = ?", a.OrgID)
	}
}

// OrgFilter narrows ListOrganisations: by kind and by status ("" = any).
type OrgFilter struct {
	Kind, Status string
	Page         Page
}

// normalOrg fills the lists a row without them left nil, so the JSON shows [].
func normalOrg(o collect.Organisation) collect.Organisation {
	if o.Licences == nil {
		o.Licences = []string{}
	}
	if o.Provinces == nil {
		o.Provinces = []string{}
	}
	if o.TimeZone == "" {
		o.TimeZone = collect.DefaultTimeZone
	}
	return o
}

// ListOrganisations returns the organisations in the actor's scope, the
// platform first, then lenders and agencies by name.
func (s *Store) ListOrganisations(ctx context.Context, a collect.Actor, f OrgFilter) ([]collect.Organisation, int64, error) {
	p := f.Page.Normal()
	q := s.db.WithContext(ctx).Table("organisations").Scopes(orgScope(a))
	if f.Kind != "" {
		q = q.Where("organisations.kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("organisations.status = ?", f.Status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	out := []collect.Organisation{}
	err := q.Order("CASE organisations.kind WHEN 'platform' THEN 0 WHEN 'lender' THEN 1 ELSE 2 END, organisations.name, organisations.id").
		Limit(p.PerPage).Offset(p.offset()).Find(&out).Error
	for i := range out {
		out[i] = normalOrg(out[i])
	}
	return out, total, err
}

// OrganisationOf returns one organisation in the actor's scope; outside
// it, not found.
func (s *Store) OrganisationOf(ctx context.Context, a collect.Actor, id string) (collect.Organisation, error) {
	var o collect.Organisation
	err := s.db.WithContext(ctx).Table("organisations").Scopes(orgScope(a)).Where("organisations.id = ?", id).Take(&o).Error
	if err != nil {
		return o, notFound(err, "organisation")
	}
	return normalOrg(o), nil
}

// onlyPlatformAdmin refuses anyone but a platform administrator as not
// found (the route table hides these routes from the others already).
func onlyPlatformAdmin(a collect.Actor) error {
	if a.OrgKind != collect.KindPlatform || !a.Has(collect.RolePlatformAdmin) {
		return notFoundError("organisation")
	}
	return nil
}

// creditCodeTaken is the conflict of a second organisation with a code.
func creditCodeTaken(code string) error {
	return collect.E(collect.ECONFLICT, "err.org.credit_code_taken", "code", code).
		WithFields(collect.Field("credit_code", "err.org.credit_code_taken", "code", code))
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(strings.ToLower(err.Error()), "unique")
}

// CreateOrganisation onboards a lender or an agency (the platform
// administrator's): validated, its credit code unique, audited.
func (s *Store) CreateOrganisation(ctx context.Context, a collect.Actor, in collect.OrganisationInput) (collect.Organisation, error) {
	if err := onlyPlatformAdmin(a); err != nil {
		return collect.Organisation{}, err
	}
	in = in.Normalise()
	if err := in.Validate(); err != nil {
		return collect.Organisation{}, err
	}
	now := s.now()
	o := collect.Organisation{ID: uuid.Must(uuid.NewV7()).String(), Kind: in.Kind, Status: collect.OrgActive, CreatedAt: now, UpdatedAt: &now}
	applyInput(&o, in)
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("organisations").Where("credit_code = ?", in.CreditCode).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return creditCodeTaken(in.CreditCode)
		}
		if err := tx.Create(&o).Error; err != nil {
			if isUnique(err) {
				return creditCodeTaken(in.CreditCode)
			}
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "organisation.create", ObjectType: "organisation", ObjectID: o.ID,
			LenderID: lenderOf(o), After: auditFacts(o)})
	})
	return o, err
}

// applyInput writes the input's facts onto o. The Chinese name the pages
// show is the legal name.
func applyInput(o *collect.Organisation, in collect.OrganisationInput) {
	o.Name, o.NameZH, o.NameEN, o.CreditCode = in.Name, in.Name, in.NameEN, in.CreditCode
	o.Licences, o.Provinces = in.Licences, in.Provinces
	o.ContactName, o.ContactPhone, o.ContactEmail, o.TimeZone = in.ContactName, in.ContactPhone, in.ContactEmail, in.TimeZone
}

func lenderOf(o collect.Organisation) string {
	if o.Kind == collect.KindLender {
		return o.ID
	}
	return ""
}

// auditFacts is what the audit trail keeps of an organisation: its facts,
// the contact person's phone and email included (business contacts, not a
// debtor's data).
func auditFacts(o collect.Organisation) map[string]any {
	return map[string]any{"kind": o.Kind, "name": o.Name, "name_en": o.NameEN, "credit_code": o.CreditCode,
		"licences": o.Licences, "provinces": o.Provinces, "contact_name": o.ContactName, "contact_phone": o.ContactPhone,
		"contact_email": o.ContactEmail, "time_zone": o.TimeZone, "status": o.Status}
}

// InputOf is the organisation's facts as an input, for an edit to start
// from (a PATCH changes only the fields it names).
func InputOf(o collect.Organisation) collect.OrganisationInput {
	name := o.Name
	if o.NameZH != "" && o.NameEN == o.Name {
		name = o.NameZH // an organisation from before onboarding: its English name was in name
	}
	return collect.OrganisationInput{Kind: o.Kind, Name: name, NameEN: o.NameEN, CreditCode: o.CreditCode,
		Licences: o.Licences, Provinces: o.Provinces, ContactName: o.ContactName, ContactPhone: o.ContactPhone,
		ContactEmail: o.ContactEmail, TimeZone: o.TimeZone}
}

// UpdateOrganisation replaces a lender's or agency's facts (its kind stays):
// validated, the credit code still unique, audited before and after.
func (s *Store) UpdateOrganisation(ctx context.Context, a collect.Actor, id string, in collect.OrganisationInput) (collect.Organisation, error) {
	if err := onlyPlatformAdmin(a); err != nil {
		return collect.Organisation{}, err
	}
	o, err := s.OrganisationOf(ctx, a, id)
	if err != nil {
		return o, err
	}
	if o.Kind == collect.KindPlatform {
		return o, collect.E(collect.ECONFLICT, "err.org.platform_edit")
	}
	in = in.Normalise()
	if in.Kind != o.Kind {
		return o, collect.E(collect.EINVALID, "err.form.check_fields").WithFields(collect.Field("kind", "err.org.kind_fixed"))
	}
	if err := in.ValidateEdit(o); err != nil {
		return o, err
	}
	before := auditFacts(o)
	now := s.now()
	applyInput(&o, in)
	o.UpdatedAt = &now
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("organisations").Where("credit_code = ? AND credit_code <> '' AND id <> ?", in.CreditCode, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return creditCodeTaken(in.CreditCode)
		}
		err := tx.Table("organisations").Where("id = ?", id).Updates(map[string]any{
			"name": o.Name, "name_zh": o.NameZH, "name_en": o.NameEN, "credit_code": o.CreditCode,
			"licences": jsonList(o.Licences), "provinces": jsonList(o.Provinces), "contact_name": o.ContactName,
			"contact_phone": o.ContactPhone, "contact_email": o.ContactEmail, "time_zone": o.TimeZone, "updated_at": now}).Error
		if err != nil {
			if isUnique(err) {
				return creditCodeTaken(in.CreditCode)
			}
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "organisation.update", ObjectType: "organisation", ObjectID: id,
			LenderID: lenderOf(o), Before: before, After: auditFacts(o)})
	})
	return o, err
}

func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	return jsonString(l)
}

// SetOrganisationStatus suspends or reactivates a lender or an agency (to
// the status it has already: nothing happens, nothing is audited). A
// suspended organisation's users cannot sign in, and every session they
// held ends (their token versions move on, so reactivating does not revive
// them); a suspended agency also gets no new placements.
func (s *Store) SetOrganisationStatus(ctx context.Context, a collect.Actor, id, status string) (collect.Organisation, error) {
	if err := onlyPlatformAdmin(a); err != nil {
		return collect.Organisation{}, err
	}
	o, err := s.OrganisationOf(ctx, a, id)
	if err != nil {
		return o, err
	}
	changes, err := collect.StatusChange(o, status)
	if err != nil || !changes {
		return o, err
	}
	before, now := o.Status, s.now()
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("organisations").Where("id = ?", id).Updates(map[string]any{"status": status, "updated_at": now}).Error; err != nil {
			return err
		}
		if status == collect.OrgSuspended {
			if err := tx.Table("users").Where("organisation_id = ?", id).Update("token_version", gorm.Expr("token_version + 1")).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "organisation.status", ObjectType: "organisation", ObjectID: id,
			LenderID: lenderOf(o), Before: map[string]string{"status": before}, After: map[string]string{"status": status}})
	})
	o.Status, o.UpdatedAt = status, &now
	return o, err
}
