#!/usr/bin/env python3
"""Writes conduct_scenarios.json: the boundary table of the conduct rules
(issue 15, part 11). Each case is written from the rule it cites (DESIGN.md
section 3 and the sources there), not from the code: the expected rules are
stated here, and TestConductScenarios holds casework.CheckContact to them.
Run it from this folder after changing a case: python3 gen_scenarios.py
"""
import json
from datetime import datetime, timedelta, timezone

CN = timezone(timedelta(hours=8))
EDT = timezone(timedelta(hours=-4))  # New York in June
EST = timezone(timedelta(hours=-5))  # New York in January

GBT = "GB/T 个人网络消费信贷贷后催收风控指引"
REGF = "12 CFR 1006"
cases = []


def iso(t):
    return t.isoformat()


def c(channel="call", party="debtor", direction="outbound", outcome="", at=None, **kw):
    d = {"channel": channel, "party": party, "direction": direction, "outcome": outcome, "at": iso(at)}
    d.update(kw)
    return d


def case(id, profile, clause, contact, want, history=(), zones=None, facts=None, requests=(), holds=()):
    cases.append({"id": id, "profile": profile, "clause": clause, "zones": zones or [],
                  "contact": contact, "history": list(history), "facts": facts or {},
                  "requests": list(requests), "holds": list(holds), "want": sorted(want)})


def cn(d, h, m=0):
    return datetime(2026, 3, d, h, m, tzinfo=CN)


def ny(d, h, m=0):
    return datetime(2026, 6, d, h, m, tzinfo=EDT)


# Third parties need an unreachable debtor; this history makes it so (three
# failed attempts on the morning of 10 March, no conversation).
def failed3(day=10):
    return [c(outcome="no_answer", at=cn(day, 8, 5)), c(outcome="busy", at=cn(day, 8, 10)), c(outcome="no_answer", at=cn(day, 8, 15))]


def failed3us(day=10):
    return [c(outcome="no_answer", at=ny(day, 8, 5)), c(outcome="busy", at=ny(day, 8, 10)), c(outcome="no_answer", at=ny(day, 8, 15))]


# ---------------------------------------------------------------- China
Q = GBT + ": no collection between 22:00 and 08:00 unless agreed"
for ch in ["call", "sms", "email", "visit"]:
    case(f"cn-quiet-{ch}-2159", "china", Q, c(ch, at=cn(10, 21, 59), message="请回电"), [])
    case(f"cn-quiet-{ch}-2200", "china", Q, c(ch, at=cn(10, 22, 0), message="请回电"), ["cn.quiet_hours"])
    case(f"cn-quiet-{ch}-0759", "china", Q, c(ch, at=cn(10, 7, 59), message="请回电"), ["cn.quiet_hours"])
    case(f"cn-quiet-{ch}-0800", "china", Q, c(ch, at=cn(10, 8, 0), message="请回电"), [])
case("cn-quiet-letter-2300", "china", Q + " (a letter is not a contact at that hour)", c("letter", at=cn(10, 23, 0)), [])
case("cn-quiet-midnight", "china", Q, c(at=cn(10, 0, 0)), ["cn.quiet_hours"])
case("cn-quiet-consent", "china", Q + ": the debtor agreed", c(at=cn(10, 23, 0)), [], facts={"consent_out_of_hours": True})
case("cn-quiet-inbound", "china", Q + ": the debtor calling in is not collection by us", c(direction="inbound", outcome="right_party_contact", at=cn(10, 23, 0)), [])
case("cn-quiet-utc-zone", "china", Q + ", in the debtor's zone (Asia/Shanghai) whatever the server's", c(at=datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)), ["cn.quiet_hours"])
case("cn-quiet-consent-window-in", "china", Q + ": consent with its time", c(at=cn(10, 22, 30)), [],
     requests=[{"kind": "consent_out_of_hours", "from": "22:00", "to": "23:00", "start": iso(cn(1, 9))}])
case("cn-quiet-consent-window-out", "china", Q + ": consent with its time", c(at=cn(10, 23, 30)), ["cn.quiet_hours"],
     requests=[{"kind": "consent_out_of_hours", "from": "22:00", "to": "23:00", "start": iso(cn(1, 9))}])
case("cn-quiet-consent-channel", "china", Q + ": consent to calls does not cover SMS", c("sms", at=cn(10, 22, 30), message="请回电"), ["cn.quiet_hours"],
     requests=[{"kind": "consent_out_of_hours", "channel": "call", "start": iso(cn(1, 9))}])

CAP = GBT + ": at most 3 effective interactive voice calls per debtor per day"
eff = ["right_party_contact", "promise", "refused"]
for n in range(0, 4):
    hist = [c(outcome=eff[i % 3], at=cn(10, 9 + i)) for i in range(n)]
    case(f"cn-cap-{n}-before", "china", CAP, c(outcome="right_party_contact", at=cn(10, 15)), ["cn.max_effective_calls_per_day"] if n >= 3 else [], history=hist)
case("cn-cap-refusal-is-effective", "china", CAP + ": a connected call in which the debtor refuses to pay is effective",
     c(at=cn(10, 15)), ["cn.max_effective_calls_per_day"], history=[c(outcome="refused", at=cn(10, h)) for h in (9, 10, 11)])
case("cn-cap-no-answer-not-effective", "china", CAP + ": unanswered calls are not effective",
     c(at=cn(10, 15)), [], history=[c(outcome="no_answer", at=cn(10, 8, m)) for m in (1, 2, 3, 4, 5)])
case("cn-cap-left-message-not-effective", "china", CAP, c(at=cn(10, 15)), [], history=[c(outcome="left_message", at=cn(10, h)) for h in (9, 10, 11, 12)])
case("cn-cap-per-debtor", "china", CAP + ", per debtor across the debtor's loans",
     c(at=cn(10, 15), account="A"), ["cn.max_effective_calls_per_day"],
     history=[c(outcome="right_party_contact", at=cn(10, 9), account="A"), c(outcome="promise", at=cn(10, 10), account="B"),
              c(outcome="right_party_contact", at=cn(10, 11), account="B")])
case("cn-cap-yesterday", "china", CAP + ": per local calendar day", c(at=cn(10, 8, 30)), [],
     history=[c(outcome="right_party_contact", at=cn(9, h)) for h in (19, 20, 21)])
case("cn-cap-local-day", "china", CAP + ": the day is the debtor's local calendar day", c(at=cn(10, 9)),
     ["cn.max_effective_calls_per_day"], history=[c(outcome="right_party_contact", at=cn(10, 8, m)) for m in (10, 20, 30)])
case("cn-cap-inbound-not-counted", "china", CAP + ": calls the debtor makes are not ours", c(at=cn(10, 15)), [],
     history=[c(direction="inbound", outcome="right_party_contact", at=cn(10, h)) for h in (9, 10, 11)])
case("cn-cap-ai-counts", "china", CAP + " (AI voice included)", c(at=cn(10, 15)), ["cn.max_effective_calls_per_day"],
     history=[c("sms", outcome="right_party_contact", at=cn(10, h), ai=True) for h in (9, 10, 11)])
case("cn-cap-ai-proposed", "china", CAP + " (AI voice included)", c("sms", at=cn(10, 15), ai=True, message="您好"), ["cn.max_effective_calls_per_day"],
     history=[c(outcome="right_party_contact", at=cn(10, h)) for h in (9, 10, 11)])
case("cn-cap-sms-not-a-call", "china", CAP + ": an SMS is not a voice call", c("sms", at=cn(10, 15), message="您好"), [],
     history=[c(outcome="right_party_contact", at=cn(10, h)) for h in (9, 10, 11)])
case("cn-cap-guarantor-not-debtor", "china", CAP + ": calls to the guarantor are not calls to the debtor", c(at=cn(10, 15)), [],
     history=[c(party="guarantor", outcome="right_party_contact", at=cn(10, h)) for h in (9, 10, 11)], facts={"guarantor_allowed": True})
case("cn-cap-as-of-time", "china", CAP + ": a call logged late is judged on the calls before it", c(at=cn(10, 9)), [],
     history=[c(outcome="right_party_contact", at=cn(10, h)) for h in (10, 11, 12)])
case("cn-cap-two-before-one-after", "china", CAP, c(at=cn(10, 11)), [],
     history=[c(outcome="right_party_contact", at=cn(10, h)) for h in (9, 10, 12)])

TP = GBT + ": third parties only when the debtor is unreachable"
case("cn-tp-reachable", "china", TP, c(party="emergency_contact", outcome="no_answer", at=cn(10, 10), party_phone="13900000001", party_relation="parent"),
     ["third_party.only_when_unreachable"])
case("cn-tp-unreachable", "china", TP, c(party="emergency_contact", outcome="no_answer", at=cn(10, 10), party_phone="13900000001", party_relation="parent"),
     [], history=failed3())
case("cn-tp-two-failures", "china", TP + " (three failed attempts in 7 days)", c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend"),
     ["third_party.only_when_unreachable"], history=failed3()[:2])
case("cn-tp-reached-recently", "china", TP, c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend"),
     ["third_party.only_when_unreachable"], history=failed3() + [c(outcome="right_party_contact", at=cn(8, 10))])
case("cn-tp-failures-too-old", "china", TP + " (within 7 days)", c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend"),
     ["third_party.only_when_unreachable"], history=[c(outcome="no_answer", at=cn(2, 9, m)) for m in (1, 2, 3)])
case("cn-tp-inbound", "china", TP + ": a third party calling in", c(party="third_party", direction="inbound", at=cn(10, 10), party_phone="13900000001", party_relation="friend"), [])
REF = GBT + ": stop contacting a third party who refuses"
case("cn-tp-refused-same", "china", REF, c(party="third_party", at=cn(10, 10), party_phone="139-0000-0001", party_relation="friend"), ["third_party.refused"],
     history=failed3() + [c(party="third_party", outcome="third_party_refused", at=cn(1, 10), party_phone="13900000001", party_relation="friend")])
case("cn-tp-refused-other-loan", "china", REF + " (the debtor's other loan)", c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend", account="A"),
     ["third_party.refused"],
     history=failed3() + [c(party="third_party", outcome="refused", at=cn(1, 10), party_phone="13900000001", party_relation="friend", account="B")])
case("cn-tp-refused-other-person", "china", REF + ": another person may be contacted", c(party="third_party", at=cn(10, 10), party_phone="13900000002", party_relation="friend"),
     [], history=failed3() + [c(party="third_party", outcome="refused", at=cn(1, 10), party_phone="13900000001", party_relation="friend")])
case("cn-tp-refused-after", "china", REF + ": a refusal after the contact does not refuse it", c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend"),
     [], history=failed3() + [c(party="third_party", outcome="refused", at=cn(10, 11), party_phone="13900000001", party_relation="friend")])
case("cn-tp-refused-old", "china", REF + " for good", c(party="emergency_contact", at=cn(10, 10), party_phone="13900000001", party_relation="spouse"), ["third_party.refused"],
     history=failed3() + [c(party="emergency_contact", outcome="refused", at=datetime(2025, 1, 5, 10, tzinfo=CN), party_phone="13900000001", party_relation="spouse")])
DIS = GBT + ": never disclose the debt to third parties"
case("cn-tp-disclose", "china", DIS, c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend", note="告诉他朋友他欠款逾期了"),
     ["third_party.no_disclosure"], history=failed3())
case("cn-tp-disclose-en", "china", DIS, c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend", note="told her that her brother owes us money"),
     ["third_party.no_disclosure"], history=failed3())
case("cn-tp-no-disclosure", "china", DIS, c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend", note="请他转告本人回电，未提及欠款"),
     [], history=failed3())
case("cn-tp-no-disclosure-en", "china", DIS, c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="friend", note="asked him to have the debtor call us back; did not mention the debt"),
     [], history=failed3())
case("cn-debtor-may-hear-debt", "china", DIS + " (the debtor may be told)", c(at=cn(10, 10), note="告知本人欠款已逾期40天"), [])

G = GBT + ": guarantor only as law and contract allow"
case("cn-guarantor-not-allowed", "china", G, c(party="guarantor", at=cn(10, 10)), ["guarantor.not_allowed"])
case("cn-guarantor-allowed", "china", G, c(party="guarantor", at=cn(10, 10)), [], facts={"guarantor_allowed": True})
case("cn-guarantor-inbound", "china", G + ": the guarantor calling in", c(party="guarantor", direction="inbound", at=cn(10, 10)), [])

CE = "cease and opt-out requests are honoured per debtor (DESIGN.md section 3)"
case("cn-cease", "china", CE, c(at=cn(10, 10)), ["cease_communication"], requests=[{"kind": "cease", "start": iso(cn(5, 10))}])
case("cn-cease-after", "china", CE + ": a request after the contact does not refuse it", c(at=cn(10, 10)), [], requests=[{"kind": "cease", "start": iso(cn(10, 11))}])
case("cn-cease-ended", "china", CE + ": an ended request no longer applies", c(at=cn(10, 10)), [],
     requests=[{"kind": "cease", "start": iso(cn(1, 10)), "end": iso(cn(5, 10))}])
case("cn-cease-inbound", "china", CE + ": the debtor may still call in", c(direction="inbound", outcome="right_party_contact", at=cn(10, 10)), [],
     requests=[{"kind": "cease", "start": iso(cn(5, 10))}])
case("cn-cease-flag", "china", CE, c("sms", at=cn(10, 10), message="请回电"), ["cease_communication"], facts={"cease": True})
case("cn-optout-sms", "china", CE, c("sms", at=cn(10, 10), message="请回电"), ["request.channel_opt_out"],
     requests=[{"kind": "channel_opt_out", "channel": "sms", "start": iso(cn(5, 10))}])
case("cn-optout-call-still", "china", CE + ": an SMS opt-out leaves calls", c(at=cn(10, 10)), [],
     requests=[{"kind": "channel_opt_out", "channel": "sms", "start": iso(cn(5, 10))}])
case("cn-optout-visit", "china", CE, c("visit", at=cn(10, 10)), ["request.channel_opt_out"],
     requests=[{"kind": "channel_opt_out", "channel": "visit", "start": iso(cn(5, 10))}])
case("cn-optout-ai-call", "china", CE + ": an AI voice call is a call", c("sms", at=cn(10, 10), ai=True, message="您好"), ["request.channel_opt_out"],
     requests=[{"kind": "channel_opt_out", "channel": "call", "start": iso(cn(5, 10))}])

DISP = "no contact while a dispute is open (DESIGN.md section 2, Stage)"
case("cn-dispute", "china", DISP, c(at=cn(10, 10)), ["dispute_open"], facts={"dispute_open": True})
case("cn-dispute-inbound", "china", DISP, c(direction="inbound", outcome="right_party_contact", at=cn(10, 10)), [], facts={"dispute_open": True})

INC = "inconvenient times the debtor named (DESIGN.md section 3)"
req_inc = [{"kind": "inconvenient_time", "from": "12:00", "to": "14:00", "start": iso(cn(1, 9))}]
case("cn-inconvenient-in", "china", INC, c(at=cn(10, 12, 30)), ["request.inconvenient_time"], requests=req_inc)
case("cn-inconvenient-start", "china", INC, c(at=cn(10, 12, 0)), ["request.inconvenient_time"], requests=req_inc)
case("cn-inconvenient-end", "china", INC, c(at=cn(10, 14, 0)), [], requests=req_inc)
case("cn-inconvenient-letter", "china", INC + ": a letter does not interrupt", c("letter", at=cn(10, 12, 30)), [], requests=req_inc)
WP = "no contact at a workplace that the debtor asked us to avoid"
req_wp = [{"kind": "workplace_prohibited", "start": iso(cn(1, 9))}]
case("cn-workplace-visit", "china", WP, c("visit", at=cn(10, 10), place="workplace"), ["request.workplace_prohibited"], requests=req_wp)
case("cn-workplace-colleague", "china", WP + " (through a colleague)", c(party="third_party", at=cn(10, 10), party_phone="13900000001", party_relation="colleague"),
     ["request.workplace_prohibited"], requests=req_wp, history=failed3())
case("cn-workplace-home", "china", WP, c("visit", at=cn(10, 10), place="home"), [], requests=req_wp)
case("cn-workplace-no-request", "china", WP + ": only when asked", c("visit", at=cn(10, 10), place="workplace"), [])
AT = "a debtor represented by an attorney: contact the attorney only"
req_at = [{"kind": "attorney", "attorney_phone": "13700000009", "start": iso(cn(1, 9))}]
case("cn-attorney-debtor", "china", AT, c(at=cn(10, 10)), ["request.attorney"], requests=req_at)
case("cn-attorney-contact", "china", AT, c(party="third_party", at=cn(10, 10), party_phone="13700000009", party_relation="attorney", note="与代理律师沟通还款方案"), [], requests=req_at)
HOLD = "care and hardship holds pause collection contact"
hold = [{"kind": "bereavement", "start": iso(cn(5, 9)), "until": iso(cn(20, 0))}]
case("cn-hold", "china", HOLD, c(at=cn(10, 10)), ["care_hold"], holds=hold)
case("cn-hold-care", "china", HOLD + ": care contacts allowed", c(at=cn(10, 10), purpose="care"), [], holds=hold)
case("cn-hold-inbound", "china", HOLD + ": inbound allowed", c(direction="inbound", outcome="right_party_contact", at=cn(10, 10)), [], holds=hold)
case("cn-hold-expired", "china", HOLD, c(at=cn(21, 10)), [], holds=hold)
case("cn-hold-lifted", "china", HOLD, c(at=cn(10, 10)), [], holds=[dict(hold[0], lifted=iso(cn(8, 9)))])
case("cn-hold-before", "china", HOLD + ": a contact before the hold", c(at=cn(4, 10)), [], holds=hold)

LANG = "NIFA 2018: no violence, threats, insults or impersonation of police, procuratorate or courts"
for i, note in enumerate(["我是公安局的，你再不还钱就抓你", "再不还钱我们就上门打断你的腿", "我们是法院的，今天就来查封你家", "你这个废物，赶紧还钱"]):
    case(f"cn-lang-{i}", "china", LANG, c(at=cn(10, 10), note=note), ["forbidden_language"])
for i, note in enumerate(["债务人称下周发工资后还款", "本人接听，态度良好，承诺月底还清", "全家都在外地打工，月底回来处理"]):
    case(f"cn-lang-ok-{i}", "china", LANG, c(at=cn(10, 10), note=note, outcome="promise"), [])

# ---------------------------------------------------------------- US
UQ = REGF + ".6(b)(1)(i): no calls before 8:00 or after 21:00 local time"
for ch in ["call", "sms", "email", "visit"]:
    msg = "Please call us. Reply STOP to opt out."
    case(f"us-quiet-{ch}-0759", "us_regf", UQ, c(ch, at=ny(10, 7, 59), message=msg), ["us.quiet_hours"], zones=["America/New_York"])
    case(f"us-quiet-{ch}-0800", "us_regf", UQ, c(ch, at=ny(10, 8, 0), message=msg), [], zones=["America/New_York"])
    case(f"us-quiet-{ch}-2059", "us_regf", UQ, c(ch, at=ny(10, 20, 59), message=msg), [], zones=["America/New_York"])
    case(f"us-quiet-{ch}-2100", "us_regf", UQ, c(ch, at=ny(10, 21, 0), message=msg), ["us.quiet_hours"], zones=["America/New_York"])
UQ2 = UQ + "; where the debtor may be in more than one zone, allowed in all"
case("us-zones-ny-la-early", "us_regf", UQ2, c(at=ny(10, 9, 0)), ["us.quiet_hours"], zones=["America/New_York", "America/Los_Angeles"])
case("us-zones-ny-la-ok", "us_regf", UQ2, c(at=ny(10, 11, 0)), [], zones=["America/New_York", "America/Los_Angeles"])
case("us-zones-ny-la-late", "us_regf", UQ2, c(at=ny(10, 20, 30)), [], zones=["America/New_York", "America/Los_Angeles"])
case("us-zones-la-ny-late", "us_regf", UQ2, c(at=ny(11, 0, 30)), ["us.quiet_hours"], zones=["America/Los_Angeles", "America/New_York"])
case("us-phoenix-summer", "us_regf", UQ + " (Arizona keeps no daylight time: 15:00 UTC is 08:00 in Phoenix in July)",
     c(at=datetime(2026, 7, 1, 15, 0, tzinfo=timezone.utc)), [], zones=["America/Phoenix"])
case("us-phoenix-summer-early", "us_regf", UQ, c(at=datetime(2026, 7, 1, 14, 59, tzinfo=timezone.utc)), ["us.quiet_hours"], zones=["America/Phoenix"])
case("us-ny-winter", "us_regf", UQ + " (12:59 UTC is 07:59 in New York in January)", c(at=datetime(2026, 1, 15, 12, 59, tzinfo=timezone.utc)), ["us.quiet_hours"], zones=["America/New_York"])
case("us-ny-summer", "us_regf", UQ + " (12:59 UTC is 08:59 in New York in July)", c(at=datetime(2026, 7, 15, 12, 59, tzinfo=timezone.utc)), [], zones=["America/New_York"])
case("us-default-zone", "us_regf", UQ + " (no zone known: the profile's)", c(at=ny(10, 7, 30)), ["us.quiet_hours"])
case("us-quiet-letter", "us_regf", UQ + " (a letter is not a call)", c("letter", at=ny(10, 22, 0)), [], zones=["America/New_York"])
case("us-quiet-consent", "us_regf", UQ + ", unless the consumer consented", c(at=ny(10, 21, 30)), [], zones=["America/New_York"], facts={"consent_out_of_hours": True})
case("us-quiet-inbound", "us_regf", UQ, c(direction="inbound", outcome="right_party_contact", at=ny(10, 22, 0)), [], zones=["America/New_York"])

S7 = REGF + ".14(b)(2)(i): no more than 7 call attempts in 7 consecutive days per debt"
def attempts(n, day=10, acct=None, outcome="no_answer", **kw):
    out = []
    for i in range(n):
        d = c(outcome=outcome, at=ny(day - (i % 7), 9 + i // 7), **kw)
        if acct:
            d["account"] = acct
        out.append(d)
    return out
case("us-7in7-six", "us_regf", S7, c(at=ny(10, 15)), [], zones=["America/New_York"], history=attempts(6))
case("us-7in7-seven", "us_regf", S7, c(at=ny(10, 15)), ["us.seven_in_seven"], zones=["America/New_York"], history=attempts(7))
case("us-7in7-window-edge", "us_regf", S7 + " (the seventh day back is out of the window)", c(at=ny(10, 15)), [], zones=["America/New_York"],
     history=[c(outcome="no_answer", at=ny(3, 9 + i)) for i in range(7)])
case("us-7in7-window-in", "us_regf", S7 + " (six days back is in)", c(at=ny(10, 15)), ["us.seven_in_seven"], zones=["America/New_York"],
     history=[c(outcome="no_answer", at=ny(4, 9 + i)) for i in range(7)])
case("us-7in7-not-connected", "us_regf", REGF + ".14(b)(3): a call that does not connect to the number dialled is not placed",
     c(at=ny(10, 15)), [], zones=["America/New_York"], history=attempts(7, outcome="not_connected"))
case("us-7in7-consented", "us_regf", REGF + ".14(b)(3): calls with the consumer's prior consent are not counted",
     c(at=ny(10, 15)), [], zones=["America/New_York"], history=attempts(7, purpose="consented_callback"))
case("us-7in7-inbound", "us_regf", S7 + " (calls the consumer makes are not ours)", c(at=ny(10, 15)), [], zones=["America/New_York"],
     history=[c(direction="inbound", outcome="no_answer", at=ny(10 - i, 10)) for i in range(7)])
case("us-7in7-per-debt", "us_regf", S7 + ": per debt, not per person", c(at=ny(10, 15), account="A"), [], zones=["America/New_York"],
     history=attempts(7, acct="B"))
case("us-7in7-per-debt-same", "us_regf", S7, c(at=ny(10, 15), account="A"), ["us.seven_in_seven"], zones=["America/New_York"],
     history=attempts(7, acct="A"))
case("us-7in7-sms-not-call", "us_regf", S7 + " (an SMS is not a call)", c("sms", at=ny(10, 15), message="Reply STOP to opt out"), [], zones=["America/New_York"],
     history=attempts(7))
case("us-7in7-busy-counts", "us_regf", S7 + " (an unanswered or busy call was placed)", c(at=ny(10, 15)), ["us.seven_in_seven"], zones=["America/New_York"],
     history=attempts(7, outcome="busy"))
case("us-7in7-later-not-counted", "us_regf", S7 + ": judged on the calls before it", c(at=ny(4, 9)), [], zones=["America/New_York"],
     history=[c(outcome="no_answer", at=ny(5, 9 + i)) for i in range(7)])
C7 = REGF + ".14(b)(2)(ii): none within 7 days after a telephone conversation about the debt"
case("us-conv-6days", "us_regf", C7, c(at=ny(10, 15)), ["us.after_conversation"], zones=["America/New_York"],
     history=[c(outcome="right_party_contact", at=ny(4, 10))])
case("us-conv-7days", "us_regf", C7 + " (the 7 days after have passed)", c(at=ny(11, 15)), [], zones=["America/New_York"],
     history=[c(outcome="right_party_contact", at=ny(4, 10))])
case("us-conv-refusal", "us_regf", C7 + ": a conversation in which the consumer refuses to pay is one", c(at=ny(10, 15)), ["us.after_conversation"],
     zones=["America/New_York"], history=[c(outcome="refused", at=ny(9, 10))])
case("us-conv-inbound", "us_regf", C7 + ": whoever placed the call", c(at=ny(10, 15)), ["us.after_conversation"], zones=["America/New_York"],
     history=[c(direction="inbound", outcome="right_party_contact", at=ny(9, 10))])
case("us-conv-other-debt", "us_regf", C7 + ": about that debt", c(at=ny(10, 15), account="A"), [], zones=["America/New_York"],
     history=[c(outcome="right_party_contact", at=ny(9, 10), account="B")])
case("us-conv-sms-after", "us_regf", C7 + " (the rule is about calls)", c("sms", at=ny(10, 15), message="Reply STOP to opt out"), [], zones=["America/New_York"],
     history=[c(outcome="right_party_contact", at=ny(9, 10))])
case("us-conv-no-answer", "us_regf", C7 + ": an unanswered call is no conversation", c(at=ny(10, 15)), [], zones=["America/New_York"],
     history=[c(outcome="no_answer", at=ny(9, 10))])
OPT = REGF + ".6(e): an electronic communication carries a reasonable and simple opt-out"
case("us-optout-missing-sms", "us_regf", OPT, c("sms", at=ny(10, 10), message="Please call us about your account."), ["us.opt_out"], zones=["America/New_York"])
case("us-optout-present-sms", "us_regf", OPT, c("sms", at=ny(10, 10), message="Please call us. Reply STOP to opt out."), [], zones=["America/New_York"])
case("us-optout-missing-email", "us_regf", OPT, c("email", at=ny(10, 10), message="Please call us."), ["us.opt_out"], zones=["America/New_York"])
case("us-optout-present-email", "us_regf", OPT, c("email", at=ny(10, 10), message="Please call us. To stop receiving these emails, click unsubscribe."), [], zones=["America/New_York"])
case("us-optout-letter", "us_regf", OPT + " (a letter is not electronic)", c("letter", at=ny(10, 10)), [], zones=["America/New_York"])
case("us-optout-honoured", "us_regf", OPT + ": opt-out requests honoured", c("sms", at=ny(10, 10), message="Reply STOP to opt out"), ["request.channel_opt_out"],
     zones=["America/New_York"], requests=[{"kind": "channel_opt_out", "channel": "sms", "start": iso(ny(1, 9))}])
UC = REGF + ".6(c): cease communication, with its exceptions"
cease = [{"kind": "cease", "start": iso(ny(1, 9))}]
case("us-cease-call", "us_regf", UC, c(at=ny(10, 10)), ["cease_communication"], zones=["America/New_York"], requests=cease)
case("us-cease-final-letter", "us_regf", UC + "(2)(i): to advise that further efforts are terminated", c("letter", at=ny(10, 10), purpose="final_notice"), [],
     zones=["America/New_York"], requests=cease)
case("us-cease-remedy-email", "us_regf", UC + "(2)(ii)-(iii): to notify of a remedy", c("email", at=ny(10, 10), purpose="remedy_notice", message="To stop receiving these emails reply STOP."), [],
     zones=["America/New_York"], requests=cease)
case("us-cease-final-call", "us_regf", UC + ": the exceptions are in writing", c(at=ny(10, 10), purpose="final_notice"), ["cease_communication"],
     zones=["America/New_York"], requests=cease)
case("us-cease-before", "us_regf", UC, c(at=datetime(2026, 5, 28, 10, tzinfo=EDT)), [], zones=["America/New_York"], requests=cease)
case("us-dispute", "us_regf", REGF + ".38(d): collection pauses while a dispute is open", c(at=ny(10, 10)), ["dispute_open"], zones=["America/New_York"],
     facts={"dispute_open": True})
case("us-attorney", "us_regf", REGF + ".6(a)(2): not with a consumer represented by an attorney", c(at=ny(10, 10)), ["request.attorney"],
     zones=["America/New_York"], requests=[{"kind": "attorney", "attorney_phone": "2125550199", "start": iso(ny(1, 9))}])
case("us-attorney-call", "us_regf", REGF + ".6(a)(2): the attorney may be called", c(party="third_party", at=ny(10, 10), party_phone="(212) 555-0199", party_relation="attorney"), [],
     zones=["America/New_York"], requests=[{"kind": "attorney", "attorney_phone": "2125550199", "start": iso(ny(1, 9))}])
case("us-workplace", "us_regf", REGF + ".6(b)(3): not at a workplace that prohibits it", c(at=ny(10, 10), place="workplace"), ["request.workplace_prohibited"],
     zones=["America/New_York"], requests=[{"kind": "workplace_prohibited", "start": iso(ny(1, 9))}])
case("us-workplace-ok", "us_regf", REGF + ".6(b)(3)", c(at=ny(10, 10), place="home"), [], zones=["America/New_York"],
     requests=[{"kind": "workplace_prohibited", "start": iso(ny(1, 9))}])
case("us-inconvenient", "us_regf", REGF + ".6(b)(1): a time the collector knows to be inconvenient", c(at=ny(10, 18, 30)), ["request.inconvenient_time"],
     zones=["America/New_York"], requests=[{"kind": "inconvenient_time", "from": "18:00", "to": "20:00", "start": iso(ny(1, 9))}])
case("us-inconvenient-out", "us_regf", REGF + ".6(b)(1)", c(at=ny(10, 20, 0)), [], zones=["America/New_York"],
     requests=[{"kind": "inconvenient_time", "from": "18:00", "to": "20:00", "start": iso(ny(1, 9))}])
TPU = REGF + ".10: third parties only to acquire location information"
case("us-tp-reachable", "us_regf", TPU, c(party="third_party", at=ny(10, 10), party_phone="2125550111", party_relation="neighbor"), ["third_party.only_when_unreachable"],
     zones=["America/New_York"])
case("us-tp-unreachable", "us_regf", TPU, c(party="third_party", at=ny(10, 10), party_phone="2125550111", party_relation="neighbor"), [],
     zones=["America/New_York"], history=failed3us())
case("us-tp-disclose", "us_regf", REGF + ".10(c): not state that the consumer owes any debt", c(party="third_party", at=ny(10, 10), party_phone="2125550111", party_relation="neighbor",
     note="told the neighbor that Jane owes us money on her loan"), ["third_party.no_disclosure"], zones=["America/New_York"], history=failed3us())
case("us-tp-refused", "us_regf", REGF + ".10 and the consumer's refusal", c(party="third_party", at=ny(10, 10), party_phone="2125550111", party_relation="neighbor"),
     ["third_party.refused"], zones=["America/New_York"],
     history=failed3us() + [c(party="third_party", outcome="third_party_refused", at=ny(2, 10), party_phone="+1 212 555 0111", party_relation="neighbor")])
case("us-guarantor", "us_regf", REGF + " (no guarantor allowance in the US profile)", c(party="guarantor", at=ny(10, 10)), [], zones=["America/New_York"])
case("us-hold", "us_regf", "care and hardship holds pause collection contact", c(at=ny(10, 10)), ["care_hold"], zones=["America/New_York"],
     holds=[{"kind": "serious_illness", "start": iso(ny(5, 9)), "until": iso(ny(25, 0))}])
ULANG = "15 U.S.C. 1692d-e (FDCPA, Reg F 1006.14, 1006.18): no threats, abuse or false representation"
for i, note in enumerate(["This is officer Miller from the sheriff's office, you will be arrested", "Pay today or we will have you thrown in jail",
                          "you are a worthless deadbeat"]):
    case(f"us-lang-{i}", "us_regf", ULANG, c(at=ny(10, 10), note=note), ["forbidden_language"], zones=["America/New_York"])
for i, note in enumerate(["Consumer agreed to pay $50 on Friday", "Left voicemail with callback number, no details"]):
    case(f"us-lang-ok-{i}", "us_regf", ULANG, c(at=ny(10, 10), note=note), [], zones=["America/New_York"])

ids = [x["id"] for x in cases]
assert len(ids) == len(set(ids)), "duplicate ids"
with open("conduct_scenarios.json", "w") as f:
    json.dump({"about": __doc__.strip(), "cases": cases}, f, ensure_ascii=False, indent=1)
print(len(cases), "cases")
