package allocation_test

import (
	"collect"
	"collect/allocation"
	"collect/views"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// asOf is the import date of the row tests: row1 is valid as of it.
var asOf = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)

const enHeader = "external_ref,debtor_name,national_id,phone,province,principal,balance,currency,due_date,dpd,last_payment_date,emergency_contact_phone"
const zhHeader = "借据号,姓名,身份证号,手机号,省份,本金,欠款余额,币种,应还日期,逾期天数,最后还款日,紧急联系人电话"

const row1 = "L0001,张三,11010519491231002X,13800138000,北京市,12000.50,13000,CNY,2024-01-01,60,2023-12-15,13900139000"

func TestMapColumns(t *testing.T) {
	split := func(s string) []string { return strings.Split(s, ",") }
	all := func() allocation.ColumnIndex {
		// The canonical headers hold the China columns (the first twelve).
		idx := allocation.ColumnIndex{}
		for i, c := range allocation.Columns[:len(strings.Split(enHeader, ","))] {
			idx[c] = i
		}
		return idx
	}
	tests := []struct {
		name    string
		header  []string
		mapping allocation.Mapping
		want    allocation.ColumnIndex
	}{
		{"English", split(enHeader), nil, all()},
		{"Chinese", split(zhHeader), nil, all()},
		{"case, spaces, BOM, full-width space, star, unit",
			[]string{"\ufeffExternal Ref", " DEBTOR_NAME ", "\u3000身份证号\u3000", "手机号*", "Province", "本金（元）", "欠款余额(元)", "Due-Date", "DPD"},
			nil,
			allocation.ColumnIndex{"external_ref": 0, "debtor_name": 1, "national_id": 2, "phone": 3, "province": 4, "principal": 5, "balance": 6, "due_date": 7, "dpd": 8}},
		{"synonyms",
			[]string{"合同号", "借款人姓名", "证件号码", "联系电话", "省份", "借款本金", "欠款金额", "应还款日期", "逾期天数", "紧急联系人手机号", "备注"},
			nil,
			allocation.ColumnIndex{"external_ref": 0, "debtor_name": 1, "national_id": 2, "phone": 3, "province": 4, "principal": 5, "balance": 6, "due_date": 7, "dpd": 8, "emergency_contact_phone": 9}},
		{"canonical name wins over a synonym",
			[]string{"合同号", "借据号", "姓名", "身份证号", "手机号", "省份", "本金", "欠款余额", "逾期金额", "应还日期", "逾期天数"},
			nil,
			allocation.ColumnIndex{"external_ref": 1, "debtor_name": 2, "national_id": 3, "phone": 4, "province": 5, "principal": 6, "balance": 7, "due_date": 9, "dpd": 10}},
		{"weak synonym used when alone",
			[]string{"借据号", "姓名", "身份证号", "手机号", "省份", "本金", "逾期金额", "应还日期", "逾期天数"},
			nil,
			allocation.ColumnIndex{"external_ref": 0, "debtor_name": 1, "national_id": 2, "phone": 3, "province": 4, "principal": 5, "balance": 6, "due_date": 7, "dpd": 8}},
		{"saved mapping for odd headers",
			[]string{"Loan No.", "Client", "ID Card", "Cell", "Region", "Amt Lent", "Amt Owed", "Overdue Since", "Days Late", "借据号"},
			allocation.Mapping{"external_ref": "loan no.", "debtor_name": "Client", "national_id": "ID CARD", "phone": "Cell",
				"province": "Region", "principal": "Amt Lent", "balance": "Amt Owed", "due_date": "Overdue Since", "dpd": "Days Late"},
			allocation.ColumnIndex{"external_ref": 0, "debtor_name": 1, "national_id": 2, "phone": 3, "province": 4, "principal": 5, "balance": 6, "due_date": 7, "dpd": 8}},
		{"partial mapping, the rest by standard names",
			[]string{"借据号", "客户", "身份证号", "手机号", "省份", "本金", "欠款余额", "应还日期", "逾期天数", "币种"},
			allocation.Mapping{"debtor_name": "客户"},
			allocation.ColumnIndex{"external_ref": 0, "debtor_name": 1, "national_id": 2, "phone": 3, "province": 4, "principal": 5, "balance": 6, "due_date": 7, "dpd": 8, "currency": 9}},
		{"mapping wins over a standard name elsewhere",
			[]string{"借据号", "姓名", "户名", "身份证号", "手机号", "省份", "本金", "欠款余额", "应还日期", "逾期天数"},
			allocation.Mapping{"debtor_name": "户名"},
			allocation.ColumnIndex{"external_ref": 0, "debtor_name": 2, "national_id": 3, "phone": 4, "province": 5, "principal": 6, "balance": 7, "due_date": 8, "dpd": 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := allocation.MapColumns(tt.header, tt.mapping)
			if err != nil {
				t.Fatalf("MapColumns: %v (%+v)", err, err.(*collect.Error).Fields)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("index = %v, want %v", got, tt.want)
			}
		})
	}
}

func fieldNames(e *collect.Error) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestMapColumnsErrors(t *testing.T) {
	tests := []struct {
		name       string
		header     []string
		mapping    allocation.Mapping
		wantFields []string
	}{
		{"missing columns listed", []string{"external_ref", "姓名", "币种"}, nil,
			[]string{"national_id", "phone", "province", "principal", "balance", "due_date", "dpd"}},
		{"empty header", []string{"", " "}, nil,
			[]string{"external_ref", "debtor_name", "national_id", "phone", "province", "principal", "balance", "due_date", "dpd"}},
		{"duplicate header", append(strings.Split(enHeader, ","), "姓名"), nil, []string{"debtor_name"}},
		{"same header twice", append(strings.Split(zhHeader, ","), "本金"), nil, []string{"principal"}},
		{"two synonyms of one tier", append(strings.Split(strings.Replace(zhHeader, "借据号", "合同号", 1), ","), "借据编号"), nil, []string{"external_ref"}},
		{"duplicate and missing together", []string{"借据号", "external_ref", "姓名"}, nil,
			[]string{"external_ref", "national_id", "phone", "province", "principal", "balance", "due_date", "dpd"}},
		{"mapped header not in the file", strings.Split(strings.Replace(zhHeader, "姓名", "客户", 1), ","),
			allocation.Mapping{"debtor_name": "客户名称"}, []string{"debtor_name"}},
		{"mapped header twice in the file", append(strings.Split(strings.Replace(zhHeader, "姓名", "客户", 1), ","), "客户"),
			allocation.Mapping{"debtor_name": "客户"}, []string{"debtor_name"}},
		{"invalid mapping", strings.Split(zhHeader, ","), allocation.Mapping{"debtor": "x"}, []string{"debtor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := allocation.MapColumns(tt.header, tt.mapping)
			e := wantCode(t, err, collect.EINVALID)
			if got := fieldNames(e); !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("fields = %v, want %v (%+v)", got, tt.wantFields, e.Fields)
			}
			for _, f := range e.Fields {
				if f.Key == "" || views.English().FieldText(f) == "" {
					t.Errorf("field %s without message", f.Field)
				}
			}
		})
	}
	t.Run("missing message names the columns", func(t *testing.T) {
		_, err := allocation.MapColumns([]string{"借据号", "姓名", "身份证号", "手机号", "省份", "本金", "欠款余额", "应还日期"}, nil)
		e := wantCode(t, err, collect.EINVALID)
		if e.Text() != "missing required columns: dpd" {
			t.Errorf("message = %q", e.Text())
		}
		if msg := views.English().FieldText(e.Fields[0]); !strings.Contains(msg, "逾期天数") {
			t.Errorf("field message %q should name the Chinese header", msg)
		}
	})
}

func TestMappingValidate(t *testing.T) {
	tests := []struct {
		name       string
		m          allocation.Mapping
		wantFields []string // nil = valid
	}{
		{"valid", allocation.Mapping{"external_ref": "Loan No", "phone": "Cell"}, nil},
		{"empty", allocation.Mapping{}, nil},
		{"unknown column", allocation.Mapping{"address": "地址", "phone": "Cell"}, []string{"address"}},
		{"empty header", allocation.Mapping{"phone": " \u3000"}, []string{"phone"}},
		{"two columns to one header", allocation.Mapping{"phone": "Tel", "emergency_contact_phone": " tel "}, []string{"emergency_contact_phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			e := wantCode(t, err, collect.EINVALID)
			if got := fieldNames(e); !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("fields = %v, want %v", got, tt.wantFields)
			}
		})
	}
}
func wantCode(t *testing.T, err error, code string) *collect.Error {
	t.Helper()
	var e *collect.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want *Error %s", err, code)
	}
	return e
}
