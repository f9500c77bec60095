// Package debtors generates made-up but realistic debtors for the demo data,
// the test files and the benchmarks. It is a leaf (the store's file formats
// use it, and the demo writes through the store), so portal/demo can import
// the store without a cycle.
package debtors

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"collect/allocation"
)

// Made-up but realistic debtors for the demo data, the tests and the
// benchmarks: names, ID numbers with valid GB 11643 check characters and
// random digits, mobile numbers, provinces weighted roughly by population.
// No real person is described.

type demoProvince struct {
	Name, Code, City string
	Weight           int
}

// Provinces with their GB/T 2260 code prefixes, weighted roughly by
// population; the city is the capital.
var demoProvinces = []demoProvince{
	{"广东省", "4401", "广州市", 12}, {"江苏省", "3201", "南京市", 8}, {"山东省", "3701", "济南市", 9},
	{"浙江省", "3301", "杭州市", 7}, {"河南省", "4101", "郑州市", 9}, {"四川省", "5101", "成都市", 8},
	{"湖北省", "4201", "武汉市", 6}, {"湖南省", "4301", "长沙市", 6}, {"河北省", "1301", "石家庄市", 7},
	{"福建省", "3501", "福州市", 4}, {"上海市", "3101", "上海市", 4}, {"北京市", "1101", "北京市", 4},
	{"安徽省", "3401", "合肥市", 5}, {"陕西省", "6101", "西安市", 4}, {"辽宁省", "2101", "沈阳市", 4},
	{"重庆市", "5001", "重庆市", 3}, {"江西省", "3601", "南昌市", 4}, {"广西壮族自治区", "4501", "南宁市", 4},
	{"云南省", "5301", "昆明市", 4}, {"天津市", "1201", "天津市", 2},
}

var (
	demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"}
	demoGiven    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "志强", "晓东", "海燕", "春梅", "子涵", "浩然", "雨欣", "宇轩", "思远"}
	demoStreets  = []string{"人民路", "解放路", "中山路", "建设路", "和平街", "新华路", "朝阳路", "长江路", "黄河路", "文化路"}
	demoMobile   = []string{"130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "158", "159", "166", "176", "177", "180", "181", "185", "186", "187", "188", "189", "199"}
)

// Account returns one generated account, drawn from rng.
func Account(rng *rand.Rand, now time.Time, lenderID, portfolioID, ref, id string) allocation.Account {
	total := 0
	for _, p := range demoProvinces {
		total += p.Weight
	}
	pick := rng.IntN(total)
	prov := demoProvinces[0]
	for _, p := range demoProvinces {
		if pick < p.Weight {
			prov = p
			break
		}
		pick -= p.Weight
	}
	birth := time.Date(1965+rng.IntN(38), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	first17 := fmt.Sprintf("%s%02d%s%03d", prov.Code, 1+rng.IntN(15), birth.Format("20060102"), rng.IntN(1000))
	nid := first17 + string(allocation.NationalIDCheck(first17))
	phone := func() string { return demoMobile[rng.IntN(len(demoMobile))] + fmt.Sprintf("%08d", rng.IntN(100000000)) }
	// Principal: mostly 5k-50k yuan, a tail to 300k; balance with penalty
	// interest after part-payment.
	principal := int64(3000+rng.ExpFloat64()*25000) * 100
	if principal > 300000*100 {
		principal = 300000 * 100
	}
	balance := principal * int64(40+rng.IntN(75)) / 100
	// DPD: many early, a long tail into write-off.
	dpd := 1 + int(rng.ExpFloat64()*110)
	if dpd > 900 {
		dpd = 900
	}
	due := now.AddDate(0, 0, -dpd)
	last := ""
	if rng.Float64() < 0.6 {
		last = due.AddDate(0, 0, -rng.IntN(90)-1).Format("2006-01-02")
	}
	var name strings.Builder
	name.WriteString(demoSurnames[rng.IntN(len(demoSurnames))])
	name.WriteString(demoGiven[rng.IntN(len(demoGiven))])
	return allocation.Account{
		ID: id, LenderID: lenderID, PortfolioID: portfolioID, ExternalRef: ref,
		DebtorName: name.String(), NationalID: nid, Phone: phone(), EmergencyContactPhone: phone(),
		Address:  fmt.Sprintf("%s%s%s%d号", prov.Name, cityPart(prov), demoStreets[rng.IntN(len(demoStreets))], 1+rng.IntN(300)),
		Province: prov.Name, PrincipalCents: principal, BalanceCents: balance, Currency: "CNY",
		DueDate: due.Format("2006-01-02"), DPD: dpd, Bucket: allocation.Bucket(dpd, allocation.DefaultBands),
		Stage: "verification", Status: "open", LastPaymentDate: last, CreatedAt: now, UpdatedAt: now,
	}
}

// Provinces lists the provinces the generator draws from.
func Provinces() []string {
	out := make([]string, len(demoProvinces))
	for i, p := range demoProvinces {
		out[i] = p.Name
	}
	return out
}

// cityPart is the city of an address, left out for the municipalities whose
// city and province are one name (上海市上海市 reads wrong).
func cityPart(p demoProvince) string {
	if p.City == p.Name {
		return ""
	}
	return p.City
}
