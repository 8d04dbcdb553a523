/*
 * test_validators.c - unit tests for rules/validators.c
 *
 * Every validator gets published or independently computed valid values
 * and invalid ones (wrong check digit, wrong length, bad characters,
 * boundaries).  Values whose check digits are not from a publication were
 * computed with python-stdnum or a separate script, not with the code under
 * test.  Prints "FAIL file:line: expr" per failed check and ends with
 * "test_validators: N passed, M failed"; exits 1 when M > 0.
 */
/* Relative, so that both -Irules and the Makefile's -I. find it. */
#include "../../rules/validators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned passed, failed;

static void check(bool ok, const char *file, int line, const char *expr)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s\n", file, line, expr);
}

#define CHECK(expr) check((expr), __FILE__, __LINE__, #expr)

/* One table row per value; the macros record the line and the length, so
 * a literal may hold NUL bytes and a failure points at its own row. */
struct vec {
	const char *name;
	const char *value;
	size_t len;
	bool valid;
	int line;
};

#define OK(name, value) { name, value, sizeof(value) - 1, true, __LINE__ }
#define BAD(name, value) { name, value, sizeof(value) - 1, false, __LINE__ }

static const struct vec vectors[] = {
	/* luhn */
	OK("luhn", "79927398713"),
	OK("luhn", "7992-7398-713"),
	OK("luhn", "4111 1111 1111 1111"),
	BAD("luhn", "79927398710"),
	BAD("luhn", "7992739871a"),
	BAD("luhn", "7992--7398713"),
	BAD("luhn", " 79927398713"),
	BAD("luhn", "0"),
	BAD("luhn", ""),

	/* card */
	OK("card", "4111111111111111"),
	OK("card", "4111 1111 1111 1111"),
	OK("card", "4111-1111-1111-1111"),
	OK("card", "4222222222222"),
	OK("card", "5555555555554444"),
	OK("card", "5105105105105100"),
	OK("card", "2223003122003222"),
	OK("card", "378282246310005"),
	OK("card", "3782 822463 10005"),
	OK("card", "6011111111111117"),
	OK("card", "6011000990139424"),
	OK("card", "3530111333300000"),
	OK("card", "30569309025904"),
	OK("card", "6200000000000005"),
	OK("card", "6759649826438453"),
	OK("card", "6227-6018-9555-9796"),
	OK("card", "3675 749118 6253"),
	OK("card", "6759711471049746504"),
	BAD("card", "4111111111111112"),   /* Luhn */
	BAD("card", "1234567812345670"),   /* Luhn fine, no network */
	BAD("card", "411111111111111"),    /* 15 digits is no Visa length */
	BAD("card", "4111-1111 1111-1111"), /* mixed separators */
	BAD("card", "41111 11111 111111"), /* odd grouping */
	BAD("card", "4111.1111.1111.1111"),
	BAD("card", "4111 1111 1111 1111 "),
	BAD("card", "41111111111111111111"),

	/* iban */
	OK("iban", "GB82WEST12345698765432"),
	OK("iban", "GB82 WEST 1234 5698 7654 32"),
	OK("iban", "DE89370400440532013000"),
	OK("iban", "FR1420041010050500013M02606"),
	OK("iban", "NO9386011117947"),
	OK("iban", "MT84MALT011000012345MTLCAST001S"),
	OK("iban", "LC55HEMM000100010012001200023015"),
	OK("iban", "RU0204452560040702810412345678901"),
	OK("iban", "HN40945807302157368193036426"),
	OK("iban", "OM482129972200332245383"),
	OK("iban", "SO332364056224154990951"),
	OK("iban", "YE8245475277204056086569070293"),
	OK("iban", "FK0613758584719540"),
	OK("iban", "MN896135895254814542"),
	OK("iban", "NI06124720198603954762007532"),
	BAD("iban", "GB82WEST12345698765431"),  /* check */
	BAD("iban", "GB82WEST1234569876543"),   /* length for GB */
	BAD("iban", "gb82west12345698765432"),  /* lower case */
	BAD("iban", "GB82  WEST12345698765432"), /* double space */
	BAD("iban", "XX82WEST12345698765432"),  /* no such country */
	BAD("iban", "GB82-WEST-1234-5698-7654-32"),
	BAD("iban", "DE89370400440532013000 "),

	/* swift_bic */
	OK("swift_bic", "DEUTDEFF"),
	OK("swift_bic", "DEUTDEFF500"),
	OK("swift_bic", "NWBKGB2L"),
	OK("swift_bic", "CHASUS33XXX"),
	BAD("swift_bic", "DEUTXXFF"),   /* XX is no country */
	BAD("swift_bic", "DEUTDEF"),
	BAD("swift_bic", "DEUTDEFF50"),
	BAD("swift_bic", "deutdeff"),
	BAD("swift_bic", "DEU1DEFF"),
	BAD("swift_bic", "DEUTDEFF50!"),

	/* ipv4 */
	OK("ipv4", "192.168.1.1"),
	OK("ipv4", "8.8.8.8"),
	OK("ipv4", "0.0.0.1"),
	OK("ipv4", "255.255.255.254"),
	BAD("ipv4", "256.1.1.1"),
	BAD("ipv4", "01.2.3.4"),
	BAD("ipv4", "0.0.0.0"),
	BAD("ipv4", "255.255.255.255"),
	BAD("ipv4", "1.2.3"),
	BAD("ipv4", "1.2.3.4.5"),
	BAD("ipv4", "1.2.3.4."),
	BAD("ipv4", "1..2.3"),
	BAD("ipv4", "1.2.3.1000"),

	/* ipv6 */
	OK("ipv6", "2001:db8::1"),
	OK("ipv6", "::1"),
	OK("ipv6", "::ffff:192.0.2.128"),
	OK("ipv6", "fe80:0:0:0:200:f8ff:fe21:67cf"),
	OK("ipv6", "2001:0DB8:85A3:0000:0000:8A2E:0370:7334"),
	OK("ipv6", "2001:db8::"),
	OK("ipv6", "1:2:3:4:5:6:1.2.3.4"),
	BAD("ipv6", "::"),
	BAD("ipv6", "1::"),
	BAD("ipv6", "::2"),
	BAD("ipv6", "2001:db8:::1"),
	BAD("ipv6", "1:2:3:4:5:6:7:8:9"),
	BAD("ipv6", "1:2:3:4:5:6:7"),
	BAD("ipv6", "1:2:3:4:5:6:7:8::"),
	BAD("ipv6", "12345::1"),
	BAD("ipv6", "1::2::3"),
	BAD("ipv6", "2001:db8::g"),
	BAD("ipv6", "::ffff:256.1.1.1"),
	BAD("ipv6", "::ffff:1.2.3.4:5"),
	BAD("ipv6", ":1:2:3:4:5:6:7"),

	/* mac */
	OK("mac", "00:1A:2B:3C:4D:5E"),
	OK("mac", "00-1a-2b-3c-4d-5e"),
	OK("mac", "001a.2b3c.4d5e"),
	BAD("mac", "00:00:00:00:00:00"),
	BAD("mac", "ff:ff:ff:ff:ff:ff"),
	BAD("mac", "FF-FF-FF-FF-FF-FF"),
	BAD("mac", "00:1A-2B:3C:4D:5E"),
	BAD("mac", "00:1A:2B:3C:4D"),
	BAD("mac", "001A2B3C4D5E"),
	BAD("mac", "00:1G:2B:3C:4D:5E"),

	/* us_ssn */
	OK("us_ssn", "123-45-6789"),
	OK("us_ssn", "123 45 6789"),
	OK("us_ssn", "123456789"),
	OK("us_ssn", "078-05-1120"), /* structurally fine: allow lists handle it */
	OK("us_ssn", "899-99-9999"),
	BAD("us_ssn", "000-12-3456"),
	BAD("us_ssn", "666-12-3456"),
	BAD("us_ssn", "900-12-3456"),
	BAD("us_ssn", "123-00-4567"),
	BAD("us_ssn", "123-45-0000"),
	BAD("us_ssn", "123-45 6789"),
	BAD("us_ssn", "12-345-6789"),
	BAD("us_ssn", "1234567890"),

	/* us_itin */
	OK("us_itin", "912-70-1234"),
	OK("us_itin", "900-50-0000"),
	OK("us_itin", "999 94 1234"),
	OK("us_itin", "912651234"),
	BAD("us_itin", "912-66-1234"),
	BAD("us_itin", "912-89-1234"),
	BAD("us_itin", "912-93-1234"),
	BAD("us_itin", "812-70-1234"),
	BAD("us_itin", "912-70-123"),

	/* us_npi */
	OK("us_npi", "1234567893"),
	OK("us_npi", "1987654328"),
	OK("us_npi", "2123456784"),
	BAD("us_npi", "1234567890"),
	BAD("us_npi", "3234567893"),
	BAD("us_npi", "123456789"),
	BAD("us_npi", "123456789O"),

	/* us_dea */
	OK("us_dea", "AB1234563"),
	OK("us_dea", "BJ6125341"),
	OK("us_dea", "F91234563"),
	BAD("us_dea", "AB1234560"),
	BAD("us_dea", "IB1234563"),
	BAD("us_dea", "ab1234563"),
	BAD("us_dea", "AB123456"),

	/* it_fiscal_code */
	OK("it_fiscal_code", "RSSMRA85T10A562S"),
	OK("it_fiscal_code", "MRTMTT91D08F205J"),
	OK("it_fiscal_code", "rssmra85t10a562s"),
	OK("it_fiscal_code", "RSSMRA85T10A56NH"), /* omocodia, last digit */
	OK("it_fiscal_code", "RSSMRA85T10ARSNO"), /* three digits */
	OK("it_fiscal_code", "RSSMRAURTMLARSNL"), /* all seven */
	OK("it_fiscal_code", "RSSMRA85T71A562X"), /* woman, day 31 */
	BAD("it_fiscal_code", "RSSMRA85T10A562T"),
	BAD("it_fiscal_code", "RSSMRA85T10AR62N"), /* substitution not from the right */
	BAD("it_fiscal_code", "RSSMRA85T32A562Y"), /* day 32 */
	BAD("it_fiscal_code", "RSSMRA85B30A562G"), /* 30 February */
	BAD("it_fiscal_code", "RSSMRA85Z10A562S"), /* no month Z */
	BAD("it_fiscal_code", "RSSMRA85T10A562"),
	BAD("it_fiscal_code", "RSSMR485T10A562S"),

	/* it_vat */
	OK("it_vat", "00743110157"),
	OK("it_vat", "07643520567"),
	OK("it_vat", "IT01114601006"),
	OK("it_vat", "22542580737"),
	BAD("it_vat", "00743110158"),
	BAD("it_vat", "12345671015"), /* office 101 */
	BAD("it_vat", "00000000018"), /* company number 0 */
	BAD("it_vat", "0074311015"),
	BAD("it_vat", "it00743110157"),

	/* es_dni */
	OK("es_dni", "12345678Z"),
	OK("es_dni", "12345678-Z"),
	OK("es_dni", "12345678z"),
	OK("es_dni", "00000001R"),
	BAD("es_dni", "12345678A"),
	BAD("es_dni", "1234567Z"),
	BAD("es_dni", "12345678ZZ"),
	BAD("es_dni", "12345678_Z"),

	/* es_nie */
	OK("es_nie", "X1234567L"),
	OK("es_nie", "Y1234567X"),
	OK("es_nie", "Z1234567R"),
	OK("es_nie", "X-1234567-L"),
	BAD("es_nie", "X1234567A"),
	BAD("es_nie", "A1234567L"),
	BAD("es_nie", "X123456L"),
	BAD("es_nie", "X12345678L"),

	/* es_nif */
	OK("es_nif", "12345678Z"),
	OK("es_nif", "X1234567L"),
	OK("es_nif", "B12345674"),
	OK("es_nif", "A58818501"),
	OK("es_nif", "Q2826000H"),
	OK("es_nif", "G1234567D"),
	OK("es_nif", "G12345674"),
	OK("es_nif", "K1234567L"),
	BAD("es_nif", "B1234567D"),  /* B takes a digit */
	BAD("es_nif", "Q28260008"),  /* Q takes a letter */
	BAD("es_nif", "B12345675"),
	BAD("es_nif", "I12345674"),  /* no organisation type I */
	BAD("es_nif", "B1234567"),

	/* fr_nir */
	OK("fr_nir", "185057800608491"),
	OK("fr_nir", "1 85 05 78 006 084 91"),
	OK("fr_nir", "2 55 08 2A 168 025 97"),
	OK("fr_nir", "255082B16802527"),
	BAD("fr_nir", "185057800608492"),
	BAD("fr_nir", "2 55 08 2A 168 025 27"), /* 2B's key on 2A */
	BAD("fr_nir", "18505780060849"),
	BAD("fr_nir", "585057800608491"), /* sex 5 */
	BAD("fr_nir", "1 85 05 78 006 084  91"),
	BAD("fr_nir", "185137800608491"), /* month 13 */

	/* de_steuer_id */
	OK("de_steuer_id", "86095742719"),
	OK("de_steuer_id", "47036892816"),
	OK("de_steuer_id", "65929970489"),
	OK("de_steuer_id", "86 095 742 719"),
	OK("de_steuer_id", "12134567895"),
	BAD("de_steuer_id", "86095742718"),
	BAD("de_steuer_id", "11123456786"), /* a digit three times in a row */
	BAD("de_steuer_id", "12345678903"), /* no digit repeated */
	BAD("de_steuer_id", "06095742719"),
	BAD("de_steuer_id", "8609574271"),
	BAD("de_steuer_id", "86-095-742-719"),

	/* uk_nino */
	OK("uk_nino", "AB123456C"),
	OK("uk_nino", "AB 12 34 56 C"),
	OK("uk_nino", "JG103759A"),
	BAD("uk_nino", "QQ123456C"),
	BAD("uk_nino", "DA123456A"),
	BAD("uk_nino", "AO123456A"),
	BAD("uk_nino", "GB123456A"),
	BAD("uk_nino", "AB123456E"),
	BAD("uk_nino", "AB12345C"),
	BAD("uk_nino", "ab123456c"),

	/* uk_nhs */
	OK("uk_nhs", "943 476 5919"),
	OK("uk_nhs", "9434765919"),
	OK("uk_nhs", "943-476-5919"),
	BAD("uk_nhs", "9434765918"),
	BAD("uk_nhs", "1000000010"), /* check digit would be 10 */
	BAD("uk_nhs", "943 476 591"),
	BAD("uk_nhs", "943-476 5919"),
	BAD("uk_nhs", "94347659190"),

	/* nl_bsn */
	OK("nl_bsn", "111222333"),
	OK("nl_bsn", "123456782"),
	OK("nl_bsn", "234567892"),
	BAD("nl_bsn", "111222334"),
	BAD("nl_bsn", "000000000"),
	BAD("nl_bsn", "12345678"),
	BAD("nl_bsn", "1234567820"),

	/* pl_pesel */
	OK("pl_pesel", "44051401359"),
	OK("pl_pesel", "02070803628"),
	OK("pl_pesel", "02270803624"),
	OK("pl_pesel", "01810100016"),
	BAD("pl_pesel", "44051401358"),
	BAD("pl_pesel", "99022900007"), /* 29 Feb 1999 */
	BAD("pl_pesel", "00422900005"), /* 29 Feb 2100 */
	BAD("pl_pesel", "4405140135"),
	BAD("pl_pesel", "4405140135X"),

	/* pt_nif */
	OK("pt_nif", "123456789"),
	OK("pt_nif", "501964843"),
	OK("pt_nif", "451234561"),
	OK("pt_nif", "700123458"),
	OK("pt_nif", "501 964 843"),
	BAD("pt_nif", "123456780"),
	BAD("pt_nif", "023456787"),
	BAD("pt_nif", "400000008"),
	BAD("pt_nif", "12345678"),

	/* be_nrn */
	OK("be_nrn", "85073003328"),
	OK("be_nrn", "85.07.30-033.28"),
	OK("be_nrn", "850730-033-28"),
	OK("be_nrn", "17.07.30-033.84"), /* born 2017 */
	BAD("be_nrn", "85073003329"),
	BAD("be_nrn", "85133003328"),
	BAD("be_nrn", "8507300332"),
	BAD("be_nrn", "85.07.30-03.328"),

	/* se_personnummer */
	OK("se_personnummer", "811228-9874"),
	OK("se_personnummer", "8112289874"),
	OK("se_personnummer", "19811228-9874"),
	OK("se_personnummer", "198112289874"),
	OK("se_personnummer", "811228+9874"),
	OK("se_personnummer", "701063-2391"), /* samordningsnummer */
	BAD("se_personnummer", "811228-9873"),
	BAD("se_personnummer", "811328-9874"),
	BAD("se_personnummer", "81122-89874"),
	BAD("se_personnummer", "17811228-9874"),
	BAD("se_personnummer", "811228-98745"),

	/* fi_hetu */
	OK("fi_hetu", "131052-308T"),
	OK("fi_hetu", "131052A308T"),
	OK("fi_hetu", "010594Y9032"),
	BAD("fi_hetu", "131052-308U"),
	BAD("fi_hetu", "131052G308T"),
	BAD("fi_hetu", "310252-308T"),
	BAD("fi_hetu", "131052-001F"), /* individual number 001 */
	BAD("fi_hetu", "131052-308"),
	BAD("fi_hetu", "131052-308t"),

	/* br_cpf */
	OK("br_cpf", "529.982.247-25"),
	OK("br_cpf", "52998224725"),
	OK("br_cpf", "111.444.777-35"),
	BAD("br_cpf", "529.982.247-26"),
	BAD("br_cpf", "111.111.111-11"),
	BAD("br_cpf", "529982247-25"),
	BAD("br_cpf", "5299822472"),

	/* br_cnpj */
	OK("br_cnpj", "11.222.333/0001-81"),
	OK("br_cnpj", "11222333000181"),
	BAD("br_cnpj", "11.222.333/0001-80"),
	BAD("br_cnpj", "00000000000000"),
	BAD("br_cnpj", "11.222.333/000181"),
	BAD("br_cnpj", "1122233300018"),

	/* verhoeff */
	OK("verhoeff", "2363"),
	OK("verhoeff", "234123412346"),
	OK("verhoeff", "2341-2341-2346"),
	BAD("verhoeff", "2364"),
	BAD("verhoeff", "235"),
	OK("verhoeff", "123451"),
	BAD("verhoeff", "12345"),
	BAD("verhoeff", "23a3"),
	BAD("verhoeff", "2"),

	/* in_aadhaar */
	OK("in_aadhaar", "234123412346"),
	OK("in_aadhaar", "2341 2341 2346"),
	OK("in_aadhaar", "499118665246"),
	BAD("in_aadhaar", "234123412347"),
	BAD("in_aadhaar", "123456789010"), /* Verhoeff fine, first digit 1 */
	BAD("in_aadhaar", "23412341234"),
	BAD("in_aadhaar", "2341 2341-2346"),
	BAD("in_aadhaar", "234 1234 12346"),

	/* in_pan */
	OK("in_pan", "ABCPE1234F"),
	OK("in_pan", "AAACB1234C"),
	BAD("in_pan", "ABCXE1234F"),
	BAD("in_pan", "ABCPE12345"),
	BAD("in_pan", "abcpe1234f"),
	BAD("in_pan", "ABCPE1234"),

	/* ca_sin */
	OK("ca_sin", "130 692 544"),
	OK("ca_sin", "130692544"),
	OK("ca_sin", "271-828-188"),
	BAD("ca_sin", "046 454 286"), /* Luhn fine, 0 not issued */
	BAD("ca_sin", "130 692 545"),
	BAD("ca_sin", "830692546"),
	BAD("ca_sin", "13069254"),

	/* au_tfn */
	OK("au_tfn", "876 543 210"),
	OK("au_tfn", "123456782"),
	OK("au_tfn", "12345677"),
	BAD("au_tfn", "876 543 211"),
	BAD("au_tfn", "12345678"),
	BAD("au_tfn", "000000000"),
	BAD("au_tfn", "1234567"),

	/* au_medicare */
	OK("au_medicare", "2123456701"),
	OK("au_medicare", "2123 45670 1"),
	OK("au_medicare", "29501234811"),
	OK("au_medicare", "3123 45671 1 2"),
	BAD("au_medicare", "2123456711"),
	BAD("au_medicare", "1123456701"),
	BAD("au_medicare", "212345670"),
	BAD("au_medicare", "2123 4567 01"),

	/* sg_nric */
	OK("sg_nric", "S1234567D"),
	OK("sg_nric", "T1234567J"),
	OK("sg_nric", "F1234567N"),
	OK("sg_nric", "G1234567X"),
	OK("sg_nric", "M1234567K"),
	BAD("sg_nric", "S1234567A"),
	BAD("sg_nric", "M1234567L"),
	BAD("sg_nric", "A1234567D"),
	BAD("sg_nric", "s1234567d"),
	BAD("sg_nric", "S123456D"),

	/* kr_rrn */
	OK("kr_rrn", "900101-1234568"),
	OK("kr_rrn", "9001011234568"),
	OK("kr_rrn", "050315-3123457"),
	BAD("kr_rrn", "900101-1234567"),
	BAD("kr_rrn", "900101-9123451"), /* sex digit 9 */
	BAD("kr_rrn", "901301-1234568"),
	BAD("kr_rrn", "900101 1234568"),
	BAD("kr_rrn", "900101-123456"),

	/* cn_resident_id */
	OK("cn_resident_id", "11010519491231002X"),
	OK("cn_resident_id", "11010519491231002x"),
	BAD("cn_resident_id", "11010519491231002Y"),
	BAD("cn_resident_id", "110105194912310021"),
	BAD("cn_resident_id", "99010519491231002X"),
	BAD("cn_resident_id", "11010519490231002X"),
	BAD("cn_resident_id", "1101051949123100"),
	BAD("cn_resident_id", "440524188001010014"), /* check fine, born 1880 */

	/* btc_base58check */
	OK("btc_base58check", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
	OK("btc_base58check", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
	OK("btc_base58check", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
	BAD("btc_base58check", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
	BAD("btc_base58check", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0"),
	BAD("btc_base58check", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn"), /* testnet version */
	BAD("btc_base58check", "11111111111111111111111111"),
	BAD("btc_base58check", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNaa"),
	BAD("btc_base58check", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),

	/* btc_bech32: BIP-173 and BIP-350 vectors */
	OK("btc_bech32", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"),
	OK("btc_bech32", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"),
	OK("btc_bech32", "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"),
	OK("btc_bech32", "BC1SW50QGDZ25J"),
	OK("btc_bech32", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"),
	OK("btc_bech32", "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy"),
	OK("btc_bech32", "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c"),
	OK("btc_bech32", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
	BAD("btc_bech32", "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty"),
	BAD("btc_bech32", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"),
	BAD("btc_bech32", "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2"),
	BAD("btc_bech32", "bc1rw5uspcuh"),
	BAD("btc_bech32", "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90"),
	BAD("btc_bech32", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P"),
	BAD("btc_bech32", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7"),
	BAD("btc_bech32", "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du"),
	BAD("btc_bech32", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv"),
	BAD("btc_bech32", "bc1gmk9yu"),
	BAD("btc_bech32", "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut"),
	BAD("btc_bech32", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"),
	BAD("btc_bech32", "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf"),
	BAD("btc_bech32", "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL"),
	BAD("btc_bech32", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"),
	BAD("btc_bech32", "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47"),
	BAD("btc_bech32", "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4"),
	BAD("btc_bech32", "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R"),
	BAD("btc_bech32", "bc1pw5dgrnzv"),
	BAD("btc_bech32", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav"),
	BAD("btc_bech32", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq"),
	BAD("btc_bech32", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf"),
	BAD("btc_bech32", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j"),

	/* eth_address: the EIP-55 vectors */
	OK("eth_address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
	OK("eth_address", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
	OK("eth_address", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"),
	OK("eth_address", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"),
	OK("eth_address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
	OK("eth_address", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"),
	BAD("eth_address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeaEd"),
	BAD("eth_address", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9adb"),
	BAD("eth_address", "0x0000000000000000000000000000000000000000"),
	BAD("eth_address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae"),
	BAD("eth_address", "0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
	BAD("eth_address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg"),

	/* jwt */
	OK("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
	OK("jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."),
	OK("jwt", "IHsiYWxnIjoiSFMyNTYifQ.eyJhIjoxfQ.c2ln"), /* blank before { */
	BAD("jwt", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.sig"),   /* no alg */
	BAD("jwt", "eyJ0eXAiOiJhbGcifQ.eyJhIjoxfQ.c2ln"),       /* "alg" only as a value */
	BAD("jwt", "eyJhbGciOiJIUzI1NiJ9.WyJ4Il0.c2ln"),        /* payload an array */
	BAD("jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln.c2ln"),
	BAD("jwt", "eyJhbGciOiJub25lIn0=.eyJzdWIiOiIxIn0.c2ln"),
	BAD("jwt", "eyJhbGciOiJub25lIn0..c2ln"),
	BAD("jwt", "eyJhbGciOiJub25lIn0"),
	BAD("jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2lnX"), /* 5 chars: no encoder */
	BAD("jwt", "eyJhbGciOiJ+b25lIn0.eyJzdWIiOiIxIn0.c2ln"),

	/* entropy */
	OK("entropy", "aB3$kP9!zQ7w"),
	OK("entropy", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
	OK("entropy", "Abcdefg1"), /* exactly 3.0 bits */
	BAD("entropy", "Abcdefgg"),
	BAD("entropy", "password"),
	BAD("entropy", "PASSWORD1"),
	BAD("entropy", "1234567890"), /* one class */
	BAD("entropy", "aB3$kP9"),    /* 7 bytes */
	BAD("entropy", "aaaaaaa1"),

	/* email */
	OK("email", "john.doe@example.com"),
	OK("email", "a@b.co"),
	OK("email", "user+tag@sub.example.org"),
	OK("email", "x@xn--80ak6aa92e.com"),
	OK("email", "o'brien@example.xn--p1ai"),
	OK("email", "user@xn--bcher-kva.ch"),
	BAD("email", ".john@example.com"),
	BAD("email", "john.@example.com"),
	BAD("email", "john..doe@example.com"),
	BAD("email", "john@example"),
	BAD("email", "john@-example.com"),
	BAD("email", "john@example-.com"),
	BAD("email", "john@example.c"),
	BAD("email", "john@example.c0m"),
	BAD("email", "john@exa_mple.com"),
	BAD("email", "john@@example.com"),
	BAD("email", "john@example..com"),
	BAD("email", "@example.com"),
	BAD("email", "0123456789012345678901234567890123456789012345678901234567890123x@example.com"),

	/* email_obfuscated: read plain, then email's checks */
	OK("email_obfuscated", "jane.doe [at] corp [dot] io"),
	OK("email_obfuscated", "jane(at)corp(dot)io"),
	OK("email_obfuscated", "jane {AT} corp.io"),
	OK("email_obfuscated", "hans[@]firma.de"),
	OK("email_obfuscated", "hans[ @ ]firma.de"),
	OK("email_obfuscated", "jane&#64;corp.io"),
	OK("email_obfuscated", "jane&#x40;corp&#46;io"),
	OK("email_obfuscated", "jane&#00064;corp&#X2E;io"),
	OK("email_obfuscated", "p.dubois <at> orange <dot> fr"),
	BAD("email_obfuscated", "jane.doe@corp.io"),          /* plain: email.address's */
	BAD("email_obfuscated", "jane [at] corp@x [dot] io"), /* an '@' of its own */
	BAD("email_obfuscated", "jane [dot] corp [dot] io"),  /* no "at" */
	BAD("email_obfuscated", "jane [at] corp"),            /* no domain dot */
	BAD("email_obfuscated", "jane [at] corp [dot] c"),
	BAD("email_obfuscated", "jane [at [dot] io"),         /* unclosed */
	BAD("email_obfuscated", "jane [att] corp [dot] io"),
	BAD("email_obfuscated", "jane&#65;corp.io"),          /* 'A', not '@' */
	BAD("email_obfuscated", "jane&#64corp.io"),           /* no ';' */
	BAD("email_obfuscated", "jane     [at] corp.io"),     /* more than 3 blanks */
	BAD("email_obfuscated", "[at] corp [dot] io"),
	BAD("email_obfuscated", "jane [at] [at] corp.io"),

	/* phone_e164 */
	OK("phone_e164", "+1 212 555 1234"),
	OK("phone_e164", "+12125551234"),
	OK("phone_e164", "+44 20 7946 0958"),
	OK("phone_e164", "+44 (0)20 7946 0958"),
	OK("phone_e164", "+39 06 1234 5678"),
	OK("phone_e164", "+39 347 123 4567"),
	OK("phone_e164", "0049 30 123456"),
	OK("phone_e164", "+33 1 23 45 67 89"),
	OK("phone_e164", "+91 98765-43210"),
	OK("phone_e164", "+86 138 0013 8000"),
	OK("phone_e164", "+351 912 345 678"),
	OK("phone_e164", "+1 (212) 555-1234"),
	OK("phone_e164", "+7 495 123-45-67"),
	OK("phone_e164", "+421 2/212 345 67"),
	OK("phone_e164", "+378 0549 886377"),
	OK("phone_e164", "+65 6123 4567"),
	OK("phone_e164", "+61 4 1234 5678"),
	BAD("phone_e164", "+44 020 7946 0958"),  /* trunk 0 kept */
	BAD("phone_e164", "+1 112 555 1234"),    /* area code 1XX */
	BAD("phone_e164", "+33 1 23 45 67 8"),
	BAD("phone_e164", "+999 123456"),
	BAD("phone_e164", "+44 20 7946 0958 1234"),
	BAD("phone_e164", "+(44) 20 7946 0958"),
	BAD("phone_e164", "+44 20 (0)7946 0958"),
	BAD("phone_e164", "212 555 1234"),
	BAD("phone_e164", "+44  20 7946 0958"),
	BAD("phone_e164", "+44 20 7946 0958-"),
	BAD("phone_e164", "+44 20 7946 0958 ext 1"),

	/* phone_nanp */
	OK("phone_nanp", "(212) 555-1234"),
	OK("phone_nanp", "212-555-1234"),
	OK("phone_nanp", "+1 212.555.1234"),
	OK("phone_nanp", "1-800-555-0199"),
	OK("phone_nanp", "2125551234"),
	BAD("phone_nanp", "112-555-1234"),
	BAD("phone_nanp", "212-155-1234"),
	BAD("phone_nanp", "911-555-1234"),
	BAD("phone_nanp", "212-555-123"),
	BAD("phone_nanp", "(21) 2555-1234"),
	BAD("phone_nanp", "+2125551234"),
	BAD("phone_nanp", "2-212-555-1234"),

	/* phone_it */
	OK("phone_it", "06 1234 5678"),
	OK("phone_it", "347 123 4567"),
	OK("phone_it", "02/12345678"),
	BAD("phone_it", "5123456789"),
	BAD("phone_it", "06123"),
	BAD("phone_it", "3471234567890"),
	BAD("phone_it", "+39 06 1234 5678"),

	/* phone_de */
	OK("phone_de", "030 123456"),
	OK("phone_de", "0171 1234567"),
	OK("phone_de", "030/12345678"),
	OK("phone_de", "089 1234 5678"),
	BAD("phone_de", "0049 30 123456"),
	BAD("phone_de", "0171 123"),
	BAD("phone_de", "30 123456"),
	BAD("phone_de", "030 1234567890123"),

	/* phone_fr */
	OK("phone_fr", "01 23 45 67 89"),
	OK("phone_fr", "06.12.34.56.78"),
	OK("phone_fr", "0612345678"),
	BAD("phone_fr", "00 12 34 56 78"),
	BAD("phone_fr", "1 23 45 67 89"),
	BAD("phone_fr", "01 23 45 67 8"),
	BAD("phone_fr", "01 23 45 67 89 0"),

	/* phone_gb */
	OK("phone_gb", "020 7946 0958"),
	OK("phone_gb", "07700 900123"),
	OK("phone_gb", "01632 960001"),
	OK("phone_gb", "0800 123 4567"),
	BAD("phone_gb", "020 7946 095"),
	BAD("phone_gb", "05 1234 5678"),
	BAD("phone_gb", "7700 900123"),
	BAD("phone_gb", "07700 9001234"),

	/* phone_es */
	OK("phone_es", "612 345 678"),
	OK("phone_es", "912345678"),
	OK("phone_es", "71 234 56 78"),
	BAD("phone_es", "512 345 678"),
	BAD("phone_es", "61234567"),
	BAD("phone_es", "6123456789"),

	/* phone_nl */
	OK("phone_nl", "020 123 4567"),
	OK("phone_nl", "06-12345678"),
	BAD("phone_nl", "0012345678"),
	BAD("phone_nl", "20 123 4567"),
	BAD("phone_nl", "06-1234567"),

	/* phone_in */
	OK("phone_in", "98765 43210"),
	OK("phone_in", "098765 43210"),
	OK("phone_in", "011 2345 6789"),
	BAD("phone_in", "58765 43210"),
	BAD("phone_in", "00123456789"),
	BAD("phone_in", "987654321"),

	/* phone_br */
	OK("phone_br", "(11) 91234-5678"),
	OK("phone_br", "(21) 2345-6789"),
	OK("phone_br", "11912345678"),
	OK("phone_br", "(011) 91234-5678"),
	BAD("phone_br", "(10) 91234-5678"),
	BAD("phone_br", "(11) 81234-5678"),
	BAD("phone_br", "(11) 1234-5678"),
	BAD("phone_br", "(11) 9123-45678-9"),

	/* date */
	OK("date", "2024-02-29"),
	OK("date", "29/02/2024"),
	OK("date", "12/31/1999"),
	OK("date", "31.12.1999"),
	OK("date", "31-12-1999"),
	OK("date", "1.1.1900"),
	OK("date", "1 January 2000"),
	OK("date", "1st Jan 2000"),
	OK("date", "Jan 5, 2001"),
	OK("date", "SEPTEMBER 30 2026"),
	OK("date", "5 Sept 2001"),
	BAD("date", "2023-02-29"),
	BAD("date", "1899-12-31"),
	BAD("date", "2027-01-01"),
	BAD("date", "32/01/2000"),
	BAD("date", "13/13/2000"),
	BAD("date", "31.02.2000"),
	BAD("date", "31 Feb 2000"),
	BAD("date", "2024/02/29"),
	BAD("date", "2024-2-29"),
	BAD("date", "Foo 5, 2001"),
	BAD("date", "Janu 5, 2001"),
	BAD("date", "31/12/99"),
	BAD("date", "2024-02-29T10"),
};

static void put_value(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

static void check_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *t = &vectors[i];
		const struct rule_validator *v = rule_validator_find(t->name);

		if (v && v->fn(t->value, t->len) == t->valid) {
			passed++;
			continue;
		}
		failed++;
		printf("FAIL %s:%d: %s(\"", __FILE__, t->line, t->name);
		put_value(t->value, t->len);
		printf("\") %s\n", !v ? "has no validator" : t->valid ? "should be valid" : "should be invalid");
	}
}

static bool is_valid(const char *name, const char *s, size_t len)
{
	const struct rule_validator *v = rule_validator_find(name);

	return v && v->fn(s, len);
}

/* Every validator named in the brief, each covered by the vectors above. */
static const char *const expected_names[] = {
	"luhn", "card", "iban", "swift_bic", "ipv4", "ipv6", "mac", "us_ssn", "us_itin",
	"it_fiscal_code", "it_vat", "es_dni", "es_nie", "es_nif", "fr_nir", "de_steuer_id",
	"uk_nino", "uk_nhs", "nl_bsn", "pl_pesel", "pt_nif", "be_nrn", "se_personnummer",
	"fi_hetu", "br_cpf", "br_cnpj", "in_aadhaar", "verhoeff", "in_pan", "ca_sin", "au_tfn",
	"au_medicare", "sg_nric", "kr_rrn", "cn_resident_id", "btc_base58check", "btc_bech32",
	"eth_address", "jwt", "entropy", "email", "email_obfuscated", "phone_e164", "phone_nanp", "phone_it",
	"phone_de", "phone_fr", "phone_gb", "phone_es", "phone_nl", "phone_in", "phone_br",
	"us_npi", "us_dea", "date",
};

static void check_table(void)
{
	size_t count = 0;
	const struct rule_validator *all = rule_validators(&count);
	size_t nexp = sizeof(expected_names) / sizeof(expected_names[0]);

	CHECK(all != NULL);
	CHECK(count == nexp);
	for (size_t i = 0; i < nexp; i++) {
		const struct rule_validator *v = rule_validator_find(expected_names[i]);
		bool covered_ok = false, covered_bad = false;

		check(v != NULL && v->fn != NULL && v->description && v->description[0],
		      __FILE__, __LINE__, expected_names[i]);
		for (size_t k = 0; k < sizeof(vectors) / sizeof(vectors[0]); k++) {
			if (strcmp(vectors[k].name, expected_names[i]) == 0) {
				covered_ok = covered_ok || vectors[k].valid;
				covered_bad = covered_bad || !vectors[k].valid;
			}
		}
		check(covered_ok && covered_bad, __FILE__, __LINE__, expected_names[i]);
	}
	for (size_t i = 0; i < count; i++) {
		CHECK(rule_validator_find(all[i].name) == &all[i]);
		for (size_t k = i + 1; k < count; k++)
			CHECK(strcmp(all[i].name, all[k].name) != 0);
	}
	CHECK(rule_validator_find("no_such_validator") == NULL);
	CHECK(rule_validator_find("") == NULL);
	CHECK(rule_validator_find(NULL) == NULL);
	CHECK(rule_validator_find("LUHN") == NULL);
}

static void check_card_brand(void)
{
	static const struct {
		const char *number, *brand;
	} brands[] = {
		{ "4111 1111 1111 1111", "visa" },
		{ "5555-5555-5555-4444", "mastercard" },
		{ "2223003122003222", "mastercard" },
		{ "378282246310005", "amex" },
		{ "6011111111111117", "discover" },
		{ "6221260000000000", "unionpay" }, /* Discover routes it, UnionPay issues */
		{ "6227-6018-9555-9796", "unionpay" },
		{ "6441000000000000", "discover" },
		{ "6500000000000000000", "discover" },
		{ "3589000000000000", "jcb" },
		{ "3600000000000000000", "diners" },
		{ "6763000000000", "maestro" },
		{ "3530111333300000", "jcb" },
		{ "30569309025904", "diners" },
		{ "6200000000000005", "unionpay" },
		{ "6759649826438453", "maestro" },
		{ "501800000000", "maestro" },
	};

	for (size_t i = 0; i < sizeof(brands) / sizeof(brands[0]); i++) {
		const char *b = rule_card_brand(brands[i].number, strlen(brands[i].number));

		check(b && strcmp(b, brands[i].brand) == 0, __FILE__, __LINE__, brands[i].number);
	}
	CHECK(rule_card_brand("1234567812345670", 16) == NULL);
	CHECK(rule_card_brand("4111111111111", 13) != NULL);
	CHECK(rule_card_brand("411111111111111", 15) == NULL);  /* no 15-digit Visa */
	CHECK(rule_card_brand("4111x111111111111", 17) == NULL);
	CHECK(rule_card_brand("", 0) == NULL);
	CHECK(rule_card_brand(NULL, 0) == NULL);
}

/* Values are not NUL-terminated and the length is all a validator may use. */
static void check_bounds(void)
{
	static char big[RULE_VALIDATOR_JWT_MAX_LEN + 2];
	size_t count = 0;
	const struct rule_validator *all = rule_validators(&count);
	const char *jwt_head = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoi";
	size_t n;

	/* A valid value followed by more bytes, and cut short. */
	CHECK(is_valid("luhn", "79927398713999", 11));
	CHECK(!is_valid("luhn", "79927398713999", 12));
	CHECK(is_valid("iban", "GB82WEST12345698765432XYZ", 22));
	CHECK(!is_valid("iban", "GB82WEST12345698765432", 21));
	CHECK(is_valid("ipv4", "192.168.1.1.5", 11));
	CHECK(!is_valid("us_ssn", "123-45-6789", 10));
	/* NUL bytes inside a value are just bad bytes. */
	CHECK(!is_valid("luhn", "7992\0" "7398713", 12));
	CHECK(!is_valid("email", "a@b.co\0m", 8));
	CHECK(!is_valid("phone_fr", "01 23 45\0 67 89", 15));

	/* Every validator: NULL, empty, and one byte over the limit. */
	memset(big, '1', sizeof(big));
	for (size_t i = 0; i < count; i++) {
		size_t limit = strcmp(all[i].name, "jwt") == 0 ? RULE_VALIDATOR_JWT_MAX_LEN
		                                               : RULE_VALIDATOR_MAX_LEN;

		check(!all[i].fn(NULL, 0), __FILE__, __LINE__, all[i].name);
		check(!all[i].fn(NULL, 5), __FILE__, __LINE__, all[i].name);
		check(!all[i].fn("", 0), __FILE__, __LINE__, all[i].name);
		check(!all[i].fn(big, limit + 1), __FILE__, __LINE__, all[i].name);
	}
	/* luhn at exactly the limit still works: 256 digits of "0...0". */
	memset(big, '0', RULE_VALIDATOR_MAX_LEN);
	CHECK(is_valid("luhn", big, RULE_VALIDATOR_MAX_LEN));
	CHECK(!is_valid("luhn", big, RULE_VALIDATOR_MAX_LEN + 1));
	CHECK(is_valid("entropy", "aB3$kP9!zQ7w", 12));

	/* A long JWT: {"a":"xxx...xxx"} as payload, near the 8 KiB limit. */
	n = strlen(jwt_head);
	memcpy(big, jwt_head, n);
	while (n + 4 + 8 <= RULE_VALIDATOR_JWT_MAX_LEN) {
		memcpy(big + n, "eHh4", 4);
		n += 4;
	}
	memcpy(big + n, "In0.c2ln", 8);
	n += 8;
	CHECK(n <= RULE_VALIDATOR_JWT_MAX_LEN && n > RULE_VALIDATOR_JWT_MAX_LEN - 8);
	CHECK(is_valid("jwt", big, n));
	big[n - 1] = '=';
	CHECK(!is_valid("jwt", big, n)); /* padding is not base64url */
	CHECK(!is_valid("jwt", big, RULE_VALIDATOR_JWT_MAX_LEN + 1));
}

/* Every byte value in every position of a short value: nothing may crash
 * (run under ASan/UBSan) and results must not depend on bytes past LEN. */
static void check_bytes(void)
{
	size_t count = 0;
	const struct rule_validator *all = rule_validators(&count);
	char buf[48];
	bool stable = true;

	for (size_t i = 0; i < count; i++) {
		for (unsigned c = 0; c < 256; c++) {
			for (size_t len = 1; len <= 20; len += 19) {
				bool a, b;

				memset(buf, (int)c, sizeof(buf));
				a = all[i].fn(buf, len);
				memset(buf + len, 'x', sizeof(buf) - len);
				b = all[i].fn(buf, len);
				stable = stable && a == b;
			}
		}
	}
	CHECK(stable);
}

int main(void)
{
	check_vectors();
	check_table();
	check_card_brand();
	check_bounds();
	check_bytes();
	printf("test_validators: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
