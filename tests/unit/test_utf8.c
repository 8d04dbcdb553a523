/*
 * scanners/utf8.c.  Sequences of one to four bytes; what is refused:
 * a stray continuation byte, a truncated sequence, overlong forms of
 * each length, surrogates, code points past U+10FFFF, the bytes F8-FF.
 * utf8_valid() over whole names, CP437 bytes among them.
 */
#include <string.h>

#include "scanners/utf8.h"
#include "tests/unit/unit.h"

static size_t len_of(const char *s)
{
	return utf8_seq_len((const unsigned char *)s, strlen(s));
}

int main(void)
{
	CHECK(len_of("a") == 1);
	CHECK(len_of("\xc3\xa9") == 2);              /* é */
	CHECK(len_of("\xe6\x97\xa5") == 3);          /* 日 */
	CHECK(len_of("\xf0\x9f\x98\x80") == 4);      /* U+1F600 */
	CHECK(len_of("\xf4\x8f\xbf\xbf") == 4);      /* U+10FFFF */
	CHECK(len_of("\x80") == 0);                  /* a continuation alone */
	CHECK(len_of("\xc3") == 0);                  /* truncated */
	CHECK(len_of("\xe6\x97") == 0);
	CHECK(len_of("\xc3\x28") == 0);              /* not a continuation */
	CHECK(len_of("\xc0\x80") == 0);              /* overlong NUL */
	CHECK(len_of("\xe0\x80\xaf") == 0);          /* overlong '/' */
	CHECK(len_of("\xf0\x80\x80\xaf") == 0);
	CHECK(len_of("\xed\xa0\x80") == 0);          /* U+D800 */
	CHECK(len_of("\xf4\x90\x80\x80") == 0);      /* U+110000 */
	CHECK(len_of("\xf8\x88\x80\x80\x80") == 0);
	CHECK(len_of("\xff") == 0);

	CHECK(utf8_valid(""));
	CHECK(utf8_valid("plain.txt"));
	CHECK(utf8_valid("r\xc3\xa9sum\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.txt"));
	CHECK(!utf8_valid("r\x82sum\x82.txt"));      /* CP437 */
	CHECK(!utf8_valid("ok\xc3"));                 /* cut at the end */
	return unit_finish("test_utf8");
}
