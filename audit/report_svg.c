/*
 * audit/report_svg.c - inline SVG charts for the HTML report: horizontal
 * bars (by category, by source, density) and columns (the confidence
 * histogram).  Plain SVG 1.1 with a <title> and <desc> for screen
 * readers; no script, no external reference, so the page renders the
 * same offline and on paper.
 */
#include <string.h>

#include "audit/report.h"

#define WIDTH 860
#define LABEL_W 270
#define VALUE_W 110
#define ROW_H 26
#define BAR_H 16
#define TOP 8
#define LABEL_CHARS 34

static void put_xml(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fputc('?', out);
			else
				fputc(c, out);
		}
	}
}

/* The label, cut to its last LABEL_CHARS characters (the end of a path
 * says the most), at a separator where there is one: a name cut in the
 * middle could read as a value its whole did not (the self-check would
 * refuse the report). */
static void put_label(FILE *out, const char *s)
{
	size_t chars = 0, len = strlen(s);
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (chars <= LABEL_CHARS) {
		put_xml(out, s, len);
		return;
	}
	size_t skip = chars - (LABEL_CHARS - 1), i = 0;
	for (size_t seen = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (seen == skip)
				break;
			seen++;
		}
	}
	for (size_t k = i; k < len; k++)
		if (s[k] == '/' || s[k] == '!' || s[k] == ' ') {
			i = k;
			break;
		}
	fputs("\xe2\x80\xa6", out);     /* an ellipsis */
	put_xml(out, s + i, len - i);
}

static void open_svg(FILE *out, const char *id, const char *title, int height)
{
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"%s\" role=\"img\""
	        " aria-labelledby=\"%s-t\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\""
	        " preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"%s-t\">",
	        id, id, WIDTH, height, WIDTH, height, id);
	put_xml(out, title, strlen(title));
	fputs("</title>\n", out);
}

void report_svg_bars(FILE *out, const char *id, const char *title, const struct report_bar *bars,
                     size_t count, const char *legend1, const char *legend2)
{
	double max = 0;
	for (size_t i = 0; i < count; i++)
		if (bars[i].value + bars[i].value2 > max)
			max = bars[i].value + bars[i].value2;
	int legend_h = legend1 ? 24 : 0;
	int height = TOP + (int)(count ? count : 1) * ROW_H + legend_h + 4;
	int area = WIDTH - LABEL_W - VALUE_W;
	open_svg(out, id, title, height);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n", LABEL_W, TOP - 4,
	        LABEL_W, TOP + (int)(count ? count : 1) * ROW_H - 4);
	if (!count)
		fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"lbl\">nothing to show</text>\n", LABEL_W + 8,
		        TOP + 17);
	for (size_t i = 0; i < count; i++) {
		const struct report_bar *b = &bars[i];
		int y = TOP + (int)i * ROW_H;
		double w1 = max > 0 ? b->value / max * area : 0;
		double w2 = max > 0 ? b->value2 / max * area : 0;
		if (b->value > 0 && w1 < 1)
			w1 = 1;
		if (b->value2 > 0 && w2 < 1)
			w2 = 1;
		fprintf(out, "<g><title>");
		put_xml(out, b->label, strlen(b->label));
		if (b->text) {
			fputs(": ", out);
			put_xml(out, b->text, strlen(b->text));
		}
		fprintf(out, "</title>\n<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">",
		        LABEL_W - 8, y + 13);
		put_label(out, b->label);
		fprintf(out, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"bar1\"/>\n",
		        LABEL_W, y, w1, BAR_H);
		if (w2 > 0)
			fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"bar2\"/>\n",
			        LABEL_W + w1, y, w2, BAR_H);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"val\">", LABEL_W + w1 + w2 + 6, y + 13);
		if (b->text)
			put_xml(out, b->text, strlen(b->text));
		fputs("</text></g>\n", out);
	}
	if (legend1) {
		int y = TOP + (int)(count ? count : 1) * ROW_H + 6;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" class=\"bar1\"/>"
		        "<text x=\"%d\" y=\"%d\" class=\"lbl\">", LABEL_W, y, LABEL_W + 18, y + 10);
		put_xml(out, legend1, strlen(legend1));
		fputs("</text>\n", out);
		if (legend2) {
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" class=\"bar2\"/>"
			        "<text x=\"%d\" y=\"%d\" class=\"lbl\">", LABEL_W + 160, y, LABEL_W + 178, y + 10);
			put_xml(out, legend2, strlen(legend2));
			fputs("</text>\n", out);
		}
	}
	fputs("</svg>\n", out);
}

void report_svg_columns(FILE *out, const char *id, const char *title,
                        const struct report_bar *bars, size_t count)
{
	const int height = 220, base = 180, plot_h = 150, left = 40;
	double max = 0;
	for (size_t i = 0; i < count; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	int slot = count ? (WIDTH - left - 10) / (int)count : 0;
	open_svg(out, id, title, height);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n", left, base,
	        WIDTH - 10, base);
	for (size_t i = 0; i < count; i++) {
		const struct report_bar *b = &bars[i];
		double h = max > 0 ? b->value / max * plot_h : 0;
		if (b->value > 0 && h < 1)
			h = 1;
		int x = left + (int)i * slot;
		fputs("<g><title>", out);
		put_xml(out, b->label, strlen(b->label));
		if (b->text) {
			fputs(": ", out);
			put_xml(out, b->text, strlen(b->text));
		}
		fprintf(out, "</title>\n<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" class=\"bar1\"/>\n",
		        x + 6, base - h, slot - 12, h);
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"val\" text-anchor=\"middle\">", x + slot / 2,
		        base - h - 5);
		if (b->text)
			put_xml(out, b->text, strlen(b->text));
		fprintf(out, "</text>\n<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"middle\">",
		        x + slot / 2, base + 18);
		put_xml(out, b->label, strlen(b->label));
		fputs("</text></g>\n", out);
	}
	fputs("</svg>\n", out);
}
