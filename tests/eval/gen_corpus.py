#!/usr/bin/env python3
"""Seeded, deterministic labelled corpus for measuring piiaudit's accuracy.

    gen_corpus.py --out DIR [--seed N] [--docs N]

writes DIR/corpus/*.txt and DIR/corpus/*.jsonl (realistic prose, support
tickets, forum posts, CSV exports, logs, config snippets, chat and CRM JSONL)
and DIR/labels.jsonl: one JSON object per planted span

    {"source": "emails.txt", "offset": 1234, "length": 22,
     "category": "iban", "kind": "positive", "type": "iban.de",
     "value": "DE44 5001 0517 5407 3249 31"}

`offset`/`length` are byte offsets into the raw UTF-8 file (for JSONL: into
the raw line bytes; planted values never need JSON escaping, so they appear
literally).  `kind` is "positive" (real-format PII or secret with valid check
digits), "hard_negative" (looks like one, but is not: wrong checksum, wrong
context, a hash, a version string, ...) or "placeholder" (documentation
values such as user@example.com or 4111 1111 1111 1111).

Everything is derived from random.Random(seed): the same seed gives
byte-identical output.  Filler prose comes from word lists and contains no
digits and no '@'; every digit in the corpus lies inside a labelled span.
Standard library only.  See README.md beside this file.
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import random
import re
import string
import sys

# ----------------------------------------------------------------------------
# Check digits, encodings, hashes
# ----------------------------------------------------------------------------

DIGITS = string.digits
UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
URLSAFE = string.ascii_letters + string.digits + "-_"


def luhn_sum(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_ok(digits):
    return luhn_sum(digits) % 10 == 0


def luhn_complete(partial):
    """Append the Luhn check digit to `partial`."""
    s = luhn_sum(partial + "0")
    return partial + str((10 - s % 10) % 10)


def iban_mod97(s):
    """s: rearranged alphanumeric string -> integer mod 97."""
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97


def iban_ok(iban):
    iban = iban.replace(" ", "")
    return iban_mod97(iban[4:] + iban[:4]) == 1


def iban_make(cc, bban):
    chk = 98 - iban_mod97(bban + cc + "00")
    return "%s%02d%s" % (cc, chk, bban)


_VD = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
_VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_checksum(digits):
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VD[c][_VP[i % 8][int(ch)]]
    return c


def verhoeff_complete(partial):
    c = 0
    for i, ch in enumerate(reversed(partial)):
        c = _VD[c][_VP[(i + 1) % 8][int(ch)]]
    return partial + str(_VINV[c])


# --- Keccak-256 (the pre-standard padding used by Ethereum; NOT sha3_256) ---

_KRC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
_KROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
         [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
_M64 = (1 << 64) - 1


def _rol(x, n):
    n %= 64
    return ((x << n) | (x >> (64 - n))) & _M64 if n else x


def _keccak_f(a):
    for rc in _KRC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _KROT[x][y])
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)]
             for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data):
    rate = 136
    msg = bytearray(data) + b"\x01"
    while len(msg) % rate:
        msg += b"\x00"
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            x, y = i % 5, i // 5
            a[x][y] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        a = _keccak_f(a)
    out = b""
    for i in range(4):
        out += a[i % 5][i // 5].to_bytes(8, "little")
    return out


def eip55(addr_hex_lower):
    h = keccak256(addr_hex_lower.encode()).hex()
    return "0x" + "".join(c.upper() if c in "abcdef" and int(h[i], 16) >= 8 else c
                          for i, c in enumerate(addr_hex_lower))


# --- Bitcoin: base58check and bech32/bech32m (BIP-173, BIP-350) ---

def b58encode(b):
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    pad = len(b) - len(b.lstrip(b"\x00"))
    return "1" * pad + out


def b58check(version, payload):
    raw = bytes([version]) + payload
    chk = hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
    return b58encode(raw + chk)


def b58check_ok(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes(25, "big")
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST, BECH32M_CONST = 1, 0x2BC830A3


def _bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def _convertbits(data, frombits, tobits):
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for v in data:
        acc = (acc << frombits) | v
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if bits:
        out.append((acc << (tobits - bits)) & maxv)
    return out


def segwit_address(hrp, witver, program):
    const = BECH32_CONST if witver == 0 else BECH32M_CONST
    data = [witver] + _convertbits(program, 8, 5)
    pm = _bech32_polymod(_hrp_expand(hrp) + data + [0] * 6) ^ const
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in data + chk)


def bech32_const(addr):
    hrp, _, data = addr.rpartition("1")
    return _bech32_polymod(_hrp_expand(hrp) + [BECH32.index(c) for c in data])


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


# --- national identifiers ---

CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  [1, 0, 5, 7, 9, 13, 15, 17, 19, 21] +
                  [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14,
                   16, 10, 22, 25, 24, 23]))


def cf_even(c):
    return int(c) if c.isdigit() else ord(c) - 65


def cf_check(s):
    """Italian check character (codice fiscale, also the CIN of an Italian BBAN)."""
    t = sum(CF_ODD[c] if i % 2 == 0 else cf_even(c) for i, c in enumerate(s))
    return chr(65 + t % 26)


def piva_check(d10):
    return luhn_complete(d10)[-1]


def steuer_id_check(d10):
    product = 10
    for ch in d10:
        s = (int(ch) + product) % 10
        if s == 0:
            s = 10
        product = (s * 2) % 11
    chk = 11 - product
    return "0" if chk == 10 else str(chk)


def nhs_check(d9):
    r = 11 - sum(int(c) * w for c, w in zip(d9, range(10, 1, -1))) % 11
    if r == 11:
        return "0"
    return None if r == 10 else str(r)


def bsn_ok(d9):
    return (sum(int(c) * w for c, w in zip(d9[:8], range(9, 1, -1))) - int(d9[8])) % 11 == 0


def pesel_check(d10):
    w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    return str((10 - sum(int(c) * x for c, x in zip(d10, w)) % 10) % 10)


def pt_nif_check(d8):
    r = sum(int(c) * w for c, w in zip(d8, range(9, 1, -1))) % 11
    return "0" if r < 2 else str(11 - r)


def cpf_checks(d9):
    s = sum(int(c) * w for c, w in zip(d9, range(10, 1, -1)))
    d1 = (s * 10) % 11 % 10
    s = sum(int(c) * w for c, w in zip(d9 + str(d1), range(11, 1, -1)))
    d2 = (s * 10) % 11 % 10
    return "%d%d" % (d1, d2)


def cnpj_checks(d12):
    def one(ds, ws):
        r = sum(int(c) * w for c, w in zip(ds, ws)) % 11
        return "0" if r < 2 else str(11 - r)
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    c1 = one(d12, w1)
    c2 = one(d12 + c1, [6] + w1)
    return c1 + c2


def tfn_ok(d9):
    w = [1, 4, 3, 7, 5, 8, 6, 9, 10]
    return sum(int(c) * x for c, x in zip(d9, w)) % 11 == 0


def medicare_check(d8):
    w = [1, 3, 7, 9, 1, 3, 7, 9]
    return str(sum(int(c) * x for c, x in zip(d8, w)) % 10)


def nric_check(prefix, d7):
    w = [2, 7, 6, 5, 4, 3, 2]
    s = sum(int(c) * x for c, x in zip(d7, w)) + (4 if prefix in "TG" else 0)
    table = "JZIHGFEDCBA" if prefix in "ST" else "XWUTRQPNMLK"
    return table[s % 11]


def rrn_check(d12):
    w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    return str((11 - sum(int(c) * x for c, x in zip(d12, w)) % 11) % 10)


def cn_ric_check(d17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * x for c, x in zip(d17, w)) % 11]


def hetu_check(d9):
    return "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(d9) % 31]


def nir_key(d13):
    return "%02d" % (97 - int(d13) % 97)


def be_nrn_check(d9, born_2000s):
    n = int(("2" if born_2000s else "") + d9)
    return "%02d" % (97 - n % 97)


def es_dni_letter(n):
    return "TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]


def isbn13_check(d12):
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(d12))
    return str((10 - s % 10) % 10)


def github_style_token(rng, prefix):
    """prefix + 30 random base62 chars + 6-char base62 CRC32 of those 30."""
    body = "".join(rng.choice(BASE62) for _ in range(30))
    n = binascii.crc32(body.encode())
    enc = ""
    while n:
        n, r = divmod(n, 62)
        enc = BASE62[r] + enc
    return prefix + body + enc.rjust(6, "0")


# ----------------------------------------------------------------------------
# Word lists (no digits, no '@': filler must never look like PII)
# ----------------------------------------------------------------------------

FIRST = ("Anna Marco Giulia Luca Francesca Matteo Sofia Lukas Lena Jonas Marie Felix "
         "Camille Hugo Chloe Louis Emma Lucas Lucia Pablo Carmen Javier Elena Diego "
         "Olivia Liam Noah Ava Ethan Mia James Grace Daniel Chloe Samuel Hannah Oliver "
         "Isabel Tomas Ingrid Lars Astrid Piotr Zofia Joao Ines Aoife Sean Priya Arjun "
         "Mei Wei Yuki Kenji Thandi Sipho Fatima Omar Nadia Karim Eva Jan Sara Nils").split()
LAST = ("Rossi Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Schmidt "
        "Schneider Fischer Weber Meyer Wagner Becker Hoffmann Martin Bernard Dubois "
        "Thomas Robert Richard Petit Durand Garcia Fernandez Lopez Martinez Sanchez "
        "Perez Gomez Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor "
        "Anderson Clarke Walsh Murphy Kelly Byrne Jansen Visser Bakker Peeters Maes "
        "Nilsson Andersson Johansson Hansen Nowak Kowalski Silva Santos Ferreira "
        "Oliveira Sharma Patel Iyer Tanaka Suzuki Chen Wang Nkosi Dlamini Haddad").split()
EN_NOUNS = ("account invoice order delivery package subscription dashboard report printer "
            "laptop router meeting contract shipment refund warranty update server database "
            "backup license migration calendar newsletter profile payment transfer appointment "
            "reservation booking parcel certificate firmware deployment pipeline repository "
            "branch feature screen keyboard battery charger cable monitor headset badge form "
            "survey catalogue quote proposal budget schedule roadmap workshop webinar release "
            "patch integration plugin widget template spreadsheet document folder mailbox "
            "attachment signature login session cache queue bucket cluster service endpoint "
            "password reset voucher coupon statement receipt tablet camera projector").split()
EN_ADJ = ("new old broken urgent quick small large strange annoying recent shared monthly "
          "weekly internal external public private slow stable flaky final updated previous "
          "upcoming missing duplicate corrupted expired pending unexpected").split()
EN_VERBS = ("check update restart reinstall reset export import cancel renew configure "
            "review approve upload download sync migrate verify confirm schedule replace "
            "forward archive escalate refund").split()
EN_VING = ("crashing|freezing|timing out|failing|loading|disconnecting|rebooting|lagging|"
           "showing an error|flickering|logging me out|asking for a password").split("|")
EN_ADV = "really apparently honestly probably definitely surely still again".split()
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS_EN = ("January February March April May June July August September October "
             "November December").split()
MONTHS_DE = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
MONTHS_IT = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split()
MONTHS_ES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
TEAMS = ("billing support sales finance logistics security platform onboarding facilities "
         "procurement legal marketing helpdesk accounts").split()
COMPANY_A = ("blue north bright silver green rapid clear nova terra alpine harbor cedar maple "
             "orbit pixel quantum river summit urban vivid lumen kestrel aster willow").split()
COMPANY_B = ("labs works soft logistics systems media health finance travel foods cloud data "
             "energy retail legal partners studio networks analytics").split()
TLDS = "com com com io net org de it fr es nl eu ch at se co.uk".split()
FREEMAIL = ("gmail.com outlook.com yahoo.com hotmail.com icloud.com proton.me gmx.de web.de "
            "libero.it virgilio.it orange.fr free.fr telefonica.net ziggo.nl btinternet.com").split()
IDN_WORDS = "müller bücher café españa zürich köln münchen säntis ñandú gärtner".split()
HANDLES_A = "night quiet lazy happy grumpy cosmic rusty silent brave clever".split()
HANDLES_B = "owl fox otter panda falcon badger koala lynx heron tiger".split()
PRODUCTS = ("the mobile app, the web portal, the desktop client, the billing page, the "
            "checkout, the admin console, the shared drive, the VPN client, the printer "
            "driver, the smart thermostat, the router firmware").split(", ")
TAGS = "shop news billing jobs travel work lists alerts".split()
PATH_WORDS = ("docs help blog articles support guides pricing release-notes careers about "
              "products downloads community events status changelog faq").split()

EN_SENT = [
    "Thanks for getting back to me so quickly about the {n}.",
    "I tried to {vb} the {n} again this morning but it keeps {ving}.",
    "Could you please {vb} the {adj} {n} before {day}?",
    "The {team} team says the {n} is {adv} fine on their side.",
    "We noticed the {adj} {n} after the last {n2}, which was not expected.",
    "Let me know if you need anything else from me regarding the {n}.",
    "I have attached a screenshot of the {n} so you can see what I mean.",
    "Is there a way to {vb} the {n} without losing the {n2}?",
    "Our {team} department asked me to follow up on this before the end of {month}.",
    "Sorry for the delay, I was out of the office until {day}.",
    "It started happening right after we switched to the {adj} {n}.",
    "Please do not close this ticket yet, the {n} is still {ving}.",
    "I spoke with {first} from {team} and they suggested I contact you directly.",
    "The {n} looks {adj} when I open it from {product}.",
    "We would like to {vb} our {n} and move everything to the {adj} {n2}.",
    "Can someone from {team} confirm whether the {n} was received?",
    "Honestly the {n} worked perfectly until last {day}.",
    "I cleared the cache and restarted, but the {n} is {adv} {ving}.",
    "Kind regards and thanks again for your patience with the {n}.",
    "As discussed on the call, we will {vb} the {n} next {day}.",
    "My manager {first} needs a copy of the {n} for the {team} review.",
    "The {adj} {n} was delivered to the wrong office.",
    "We are planning to {vb} the {n} during the maintenance window.",
    "If that does not work, we can schedule a short call with {team}.",
    "I am not sure whether this is related to the {adj} {n2}.",
    "Everything else seems to work, only the {n} is affected.",
    "Could you also {vb} the {n2} while you are at it?",
    "Looking forward to hearing from you about the {n}.",
    "Apparently the {n} was never linked to my {n2}.",
    "The {team} portal shows the {n} as pending since {month}.",
    "We have tried this with {product} and with {product2}, same result.",
    "Please treat this as {adj}, our {team} team is blocked.",
    "Just a quick reminder that the {n} expires at the end of {month}.",
    "I would appreciate an update on the {adj} {n} when you have a moment.",
    "Thanks, that fixed the {n}, you can close the ticket.",
    "Not sure who owns the {n}, maybe {team}?",
]
LANG_SENT = {
    "it": [
        "Grazie per la risposta, il problema con la {n} è stato risolto.",
        "Vi scrivo perché la {n} non funziona più da {day}.",
        "Potreste verificare la {n} prima della fine di {month}?",
        "Cordiali saluti e buona giornata.",
        "Il tecnico è passato ieri ma la {n} è ancora bloccata.",
        "Resto in attesa di un vostro gentile riscontro.",
        "Ho già provato a riavviare, però la {n} dà sempre lo stesso errore.",
        "Mi servirebbe una copia della {n} per l'ufficio contabilità.",
    ],
    "de": [
        "Vielen Dank für Ihre Nachricht, wir prüfen die {n} so schnell wie möglich.",
        "Leider funktioniert die {n} seit {day} nicht mehr.",
        "Könnten Sie die {n} bis Ende {month} aktualisieren?",
        "Mit freundlichen Grüßen aus dem Büro.",
        "Die {n} wurde an die falsche Adresse geschickt, bitte um Rückmeldung.",
        "Wir haben das Gerät neu gestartet, aber die {n} hängt weiterhin.",
        "Für Rückfragen stehe ich Ihnen gerne zur Verfügung.",
        "Bitte senden Sie mir die korrigierte {n} per Post zu.",
    ],
    "fr": [
        "Merci de votre retour, nous avons bien reçu votre {n}.",
        "Depuis {day}, la {n} ne fonctionne plus du tout.",
        "Pourriez-vous vérifier la {n} avant la fin de {month} ?",
        "Je reste à votre disposition pour tout complément d'information.",
        "La {n} a été livrée à la mauvaise adresse, pouvez-vous corriger ?",
        "Bien cordialement, et merci d'avance pour votre aide.",
        "J'ai déjà redémarré l'appareil mais la {n} affiche toujours une erreur.",
        "Voici les éléments demandés pour le dossier.",
    ],
    "es": [
        "Gracias por su respuesta, el problema con la {n} ya está resuelto.",
        "Desde el {day} la {n} no funciona correctamente.",
        "¿Podría confirmar la dirección de envío de la {n}?",
        "Quedo a la espera de su respuesta, un saludo cordial.",
        "La {n} llegó dañada y necesito una sustitución.",
        "He reiniciado el equipo pero la {n} sigue mostrando un error.",
        "Le adjunto los datos que me pidió para el trámite.",
        "Muchas gracias por la atención prestada.",
    ],
}
LANG_NOUNS = {
    "it": "fattura stampante connessione spedizione password applicazione caldaia bolletta".split(),
    "de": "Rechnung Lieferung Verbindung Bestellung Anwendung Heizung Kündigung Lastschrift".split(),
    "fr": "facture livraison connexion commande application imprimante box résiliation".split(),
    "es": "factura entrega conexión impresora aplicación tarjeta suscripción caldera".split(),
}
LANG_DAYS = {
    "it": "lunedì martedì mercoledì giovedì venerdì sabato".split(),
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag".split(),
    "fr": "lundi mardi mercredi jeudi vendredi samedi".split(),
    "es": "lunes martes miércoles jueves viernes sábado".split(),
}
LANG_MONTHS = {"it": MONTHS_IT, "de": MONTHS_DE, "fr": MONTHS_FR, "es": MONTHS_ES, "en": MONTHS_EN}

LOG_MSGS = [
    "request completed", "cache miss for session", "retrying upstream call",
    "connection reset by peer", "user profile updated", "token refreshed",
    "payment authorised", "webhook delivered", "rate limit exceeded", "job finished",
    "password changed", "login succeeded", "login failed", "invoice generated",
    "email queued for delivery", "sms queued", "device registered", "lease renewed",
]
LOG_COMPONENTS = ("auth api billing worker scheduler gateway mailer notifier dhcpd sshd "
                  "nginx payments export").split()
LOG_LEVELS = "INFO INFO INFO DEBUG WARN ERROR".split()

_SLOT = re.compile(r"\{(\w+)\}")


# ----------------------------------------------------------------------------
# Planted spans and fragments
# ----------------------------------------------------------------------------

class Plant:
    __slots__ = ("value", "category", "kind", "type")

    def __init__(self, value, category, kind, type_):
        self.value, self.category, self.kind, self.type = value, category, kind, type_


class Item:
    """A planted value plus what a writer needs to put it in context."""
    __slots__ = ("plant", "words", "gated", "keys", "natural", "lang", "multiline")

    def __init__(self, plant, words=(), gated=False, keys=(), natural=(), lang="en",
                 multiline=False):
        self.plant = plant
        self.words = list(words)       # [(lang, phrase)]; phrase "~x" = lead-in, no colon
        self.gated = gated             # a context word must precede the value
        self.keys = list(keys)         # key names for key=value / JSON / CSV styles
        self.natural = list(natural)   # sentence templates with {v}, no context word
        self.lang = lang
        self.multiline = multiline


class S:
    """A JSON string made of fragments (str and Plant)."""
    __slots__ = ("frags",)

    def __init__(self, frags):
        self.frags = frags


# ----------------------------------------------------------------------------
# Value generators
# ----------------------------------------------------------------------------

# IEEE OUIs of common vendors (Raspberry Pi, Google, Apple, VMware, Dell, HP, Cisco, ...)
MAC_OUIS = ("b827eb dca632 e45f01 001a11 3c5ab4 f01898 a483e7 28cfe9 9801a7 005056 000c29 "
            "080027 002590 f8bc12 001ec9 3cd92b 001788 18b430 44650d 00e04c 00155d fcfbfb "
            "b42e99 50ebf6").split()

NANP_AREAS = ("212 213 214 206 303 305 312 404 408 415 503 512 602 615 617 646 650 "
              "702 718 720 858 917 919 973 303 412 414 470 520 614 713 804 971 416 604").split()

KNOWN_TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "4222222222222",
    "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222",
    "378282246310005", "371449635398431", "378734493671000", "6011111111111117",
    "6011000990139424", "3530111333300000", "3566002020360505", "30569309025904",
    "38520000023237", "6200000000000005", "4000056655665556", "5454545454545454",
    "36227206271667", "6555900000604105", "6759649826438453", "4000000000000002"}

IBAN_SPECS = {
    # country: BBAN spec (n digits, a upper letters, c mostly digits), bank codes
    "AT": ("16n", None), "BE": ("12n", None), "BG": ("4a6n8c", ["UNCR", "BNBG", "STSA", "FINV"]),
    "BR": ("23n1a1c", None), "CH": ("5n12c", None), "CZ": ("20n", None), "DE": ("18n", None),
    "DK": ("14n", None), "ES": ("20n", None), "FI": ("14n", None), "FR": ("5n5n11c2n", None),
    "GB": ("4a14n", ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "SCBL"]), "GR": ("3n4n16c", None),
    "HU": ("24n", None), "IE": ("4a14n", ["AIBK", "BOFI", "IPBS"]), "IT": ("1a5n5n12c", None),
    "LU": ("3n13c", None), "MT": ("4a5n18c", ["VALL", "MALT", "APSB"]),
    "NL": ("4a10n", ["ABNA", "INGB", "RABO", "TRIO", "SNSB", "KNAB"]), "NO": ("11n", None),
    "PL": ("24n", None), "PT": ("21n", None), "RO": ("4a16c", ["BTRL", "RNCB", "BRDE", "INGB"]),
    "SE": ("20n", None), "SA": ("2n18c", None), "AE": ("3n16n", None), "TR": ("5n1n16c", None),
}
IBAN_COUNTRIES = sorted(IBAN_SPECS)

# (country code, calling code, fn(rng) -> list of digit groups of the national significant number)
def _g(rng, n):
    return "".join(rng.choice(DIGITS) for _ in range(n))


E164 = {
    "IT": ("39", lambda r: ["3" + r.choice("2345789") + _g(r, 1), _g(r, 3), _g(r, 4)]),
    "DE": ("49", lambda r: ["1" + r.choice("567") + r.choice("0123579"), _g(r, 4), _g(r, 4)]),
    "FR": ("33", lambda r: [r.choice("67"), _g(r, 2), _g(r, 2), _g(r, 2), _g(r, 2)]),
    "GB": ("44", lambda r: ["7" + r.choice("1234589") + _g(r, 2), _g(r, 6)]),
    "ES": ("34", lambda r: ["6" + _g(r, 2), _g(r, 3), _g(r, 3)]),
    "NL": ("31", lambda r: ["6", _g(r, 4), _g(r, 4)]),
    "BE": ("32", lambda r: ["4" + r.choice("56789") + _g(r, 1), _g(r, 2), _g(r, 2), _g(r, 2)]),
    "CH": ("41", lambda r: ["7" + r.choice("5689"), _g(r, 3), _g(r, 2), _g(r, 2)]),
    "AT": ("43", lambda r: ["6" + r.choice(["64", "76", "50", "99", "60"]), _g(r, 7)]),
    "PT": ("351", lambda r: ["9" + r.choice("1236") + _g(r, 1), _g(r, 3), _g(r, 3)]),
    "IE": ("353", lambda r: ["8" + r.choice("35679"), _g(r, 3), _g(r, 4)]),
    "SE": ("46", lambda r: ["7" + r.choice("0236"), _g(r, 3), _g(r, 2), _g(r, 2)]),
    "NO": ("47", lambda r: [r.choice("49") + _g(r, 2), _g(r, 2), _g(r, 3)]),
    "DK": ("45", lambda r: [r.choice("2345") + _g(r, 1), _g(r, 2), _g(r, 2), _g(r, 2)]),
    "PL": ("48", lambda r: [r.choice("5678") + _g(r, 2), _g(r, 3), _g(r, 3)]),
    "IN": ("91", lambda r: [r.choice("6789") + _g(r, 4), _g(r, 5)]),
    "BR": ("55", lambda r: [r.choice("123456789") + r.choice("123456789"), "9" + _g(r, 4), _g(r, 4)]),
    "MX": ("52", lambda r: [r.choice(["55", "33", "81"]), _g(r, 4), _g(r, 4)]),
    "AU": ("61", lambda r: ["4" + r.choice("0123578") + _g(r, 1), _g(r, 3), _g(r, 3)]),
    "JP": ("81", lambda r: [r.choice(["70", "80", "90"]), _g(r, 4), _g(r, 4)]),
    "SG": ("65", lambda r: [r.choice("89") + _g(r, 3), _g(r, 4)]),
    "ZA": ("27", lambda r: [r.choice(["6", "7", "8"]) + r.choice("1234") , _g(r, 3), _g(r, 4)]),
}
E164_NSN_LEN = {"IT": 10, "DE": 11, "FR": 9, "GB": 10, "ES": 9, "NL": 9, "BE": 9, "CH": 9,
                "AT": 10, "PT": 9, "IE": 9, "SE": 9, "NO": 8, "DK": 8, "PL": 9, "IN": 10,
                "BR": 11, "MX": 10, "AU": 9, "JP": 10, "SG": 8, "ZA": 9}
PHONE_LANG = {"IT": "it", "DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr",
              "ES": "es", "MX": "es", "BR": "es"}

PHONE_WORDS = {
    "en": ["Tel", "Phone", "Mobile", "Cell", "~call me at", "phone number", "~reach me on"],
    "de": ["Tel.", "Telefon", "Handy", "Mobil", "~erreichbar unter"],
    "it": ["Tel.", "Telefono", "Cellulare", "cell.", "~chiamatemi al"],
    "fr": ["Tél.", "Téléphone", "Portable", "~joignable au"],
    "es": ["Tel.", "Teléfono", "Móvil", "~llámame al"],
}
DOB_WORDS = {
    "en": ["DOB", "Date of birth", "date of birth", "D.O.B.", "~born on", "~was born on"],
    "de": ["Geburtsdatum", "~geboren am"],
    "it": ["data di nascita", "Data di nascita", "~nato il", "~nata il"],
    "fr": ["date de naissance", "~né le", "~née le"],
    "es": ["fecha de nacimiento", "Fecha de nacimiento", "~nacido el", "~nacida el"],
}

NATURAL = {
    "email": ["Please send the {n} to {v} when you get a chance.",
              "You can also reach {first} directly at {v}.",
              "I've added {v} to the {n} thread.",
              "Replies to {v} are not being delivered since {day}.",
              "Could you change the contact address to {v}?",
              "Scrivetemi pure a {v} per qualsiasi dubbio.",
              "Bitte antworten Sie an {v}.",
              "Vous pouvez m'écrire à {v}.",
              "Escríbeme a {v} si necesitas algo."],
    "phone": ["Call me back on {v} after lunch.",
              "My number changed, it's {v} now.",
              "The {team} desk can be reached at {v}.",
              "I missed a call from {v} about the {n}.",
              "Text {v} if the courier cannot find the building."],
    "credit_card": ["The charge went on card {v} twice.",
                    "Please use {v} for the renewal.",
                    "I was billed on {v} even though I cancelled the {n}.",
                    "Can you refund the amount to {v}?"],
    "iban": ["Please wire the refund to {v}.",
             "Our new bank details are {v}, effective immediately.",
             "The direct debit should come from {v} from now on.",
             "Bitte überweisen Sie den Betrag auf {v}.",
             "Il bonifico va fatto su {v}, grazie."],
    "ip_address": ["The requests all came from {v}.",
                   "I can ping {v} but the {n} is unreachable.",
                   "Please whitelist {v} on the firewall.",
                   "Our office gateway is {v}, in case that helps."],
    "mac_address": ["The {n} shows up with hardware address {v}.",
                    "Please add {v} to the allowed devices.",
                    "The lease for {v} keeps expiring."],
    "crypto_wallet": ["Send the payout to {v}.",
                      "My wallet is {v}, please double-check before sending.",
                      "Donations are welcome at {v}.",
                      "The deposit was sent to {v} but never arrived."],
    "secret": ["I accidentally pasted {v} into the channel, can we rotate it?",
               "Use {v} for the staging integration.",
               "The old token {v} still works, which worries me.",
               "Found {v} hardcoded in the {n} script."],
    "url": ["More details at {v}.",
            "See {v} for the full write-up.",
            "The form lives at {v} now.",
            "Link: {v}"],
}
FRAMES = {
    "en": ["{w}: {v}", "{w}: {v}", "{w} {v}", "My {w} is {v}.", "The {w} on file is {v}.",
           "Updated {w}: {v}", "({w} {v})", "{w} - {v}"],
    "it": ["{w}: {v}", "{w} {v}", "Il mio {w}: {v}", "({w} {v})"],
    "de": ["{w}: {v}", "{w} {v}", "Mein {w}: {v}", "({w} {v})"],
    "fr": ["{w} : {v}", "{w} {v}", "Mon {w} : {v}", "({w} {v})"],
    "es": ["{w}: {v}", "{w} {v}", "Mi {w}: {v}", "({w} {v})"],
}


class G:
    """All random choices go through self.r (random.Random(seed))."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    # ---------------- helpers ----------------
    def c(self, seq):
        return self.r.choice(seq)

    def digits(self, n, first=None):
        s = "".join(self.r.choice(DIGITS) for _ in range(n))
        if first is not None and n:
            s = self.r.choice(first) + s[1:]
        return s

    def chars(self, alphabet, n):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def chance(self, p):
        return self.r.random() < p

    def name(self):
        return self.c(FIRST), self.c(LAST)

    def company_domain(self):
        return self.c(COMPANY_A) + self.c(COMPANY_B) + "." + self.c(TLDS)

    def fill(self, tpl, lang="en"):
        def sub(m):
            k = m.group(1)
            if k in ("n", "n2"):
                return self.c(LANG_NOUNS[lang]) if lang != "en" else self.c(EN_NOUNS)
            if k == "adj":
                return self.c(EN_ADJ)
            if k == "vb":
                return self.c(EN_VERBS)
            if k == "ving":
                return self.c(EN_VING)
            if k == "adv":
                return self.c(EN_ADV)
            if k == "day":
                return self.c(LANG_DAYS[lang]) if lang != "en" else self.c(DAYS)
            if k == "month":
                return self.c(LANG_MONTHS[lang])
            if k == "team":
                return self.c(TEAMS)
            if k == "first":
                return self.c(FIRST)
            if k in ("product", "product2"):
                return self.c(PRODUCTS)
            raise KeyError(k)
        return _SLOT.sub(sub, tpl)

    def sentence(self, lang=None):
        if lang is None:
            lang = "en" if self.chance(0.82) else self.c(["it", "de", "fr", "es"])
        if lang == "en":
            return self.fill(self.c(EN_SENT))
        return self.fill(self.c(LANG_SENT[lang]), lang)

    # ---------------- email ----------------
    def email(self, first=None, last=None):
        f, l = self.name()
        f, l = (first or f).lower(), (last or l).lower()
        kind = self.r.choices(["dotted", "plain", "plus_tag", "subdomain", "punycode", "obfuscated"],
                              [30, 25, 15, 15, 10, 5])[0]
        if kind == "dotted":
            local = self.c([f + "." + l, f[0] + "." + l, f + "." + l[0] + "." + self.c(["work", "pro", "home"])])
        elif kind == "plus_tag":
            local = self.c([f + "." + l, f + l, f[0] + l]) + "+" + self.c(TAGS)
        else:
            local = self.c([f + l, f[0] + l, f + "_" + l, f + "-" + l, l + f[0],
                            f + l + self.digits(2), f + self.digits(4, "12")])
        if kind == "subdomain":
            dom = self.c(["mail", "eu", "us", "corp", "staff", "mx"]) + "." + \
                self.c(["", self.c(TEAMS) + "."]) + self.company_domain()
        elif kind == "punycode":
            w = self.c(IDN_WORDS)
            dom = "xn--" + w.encode("punycode").decode() + "." + self.c(["de", "ch", "es", "fr", "at", "com"])
        elif self.chance(0.45):
            dom = self.c(FREEMAIL)
        else:
            dom = self.company_domain()
        value = local + "@" + dom
        if kind == "obfuscated":
            # Written against harvesters, as web pages do: [at] (dot) &#64; ...
            at, dot = self.c([(" [at] ", " [dot] "), ("(at)", "(dot)"), (" {at} ", "."),
                              (" <at> ", " <dot> "), ("&#64;", "."), ("&#x40;", "&#46;"),
                              ("[@]", "."), (" (AT) ", " (DOT) ")])
            value = local + at + dom.replace(".", dot)
        words = [("en", "Email"), ("en", "E-mail"), ("en", "email address"), ("en", "Reply-To"),
                 ("it", "Indirizzo email"), ("de", "E-Mail"), ("fr", "Adresse e-mail"),
                 ("es", "Correo electrónico")]
        return Item(Plant(value, "email", "positive", "email." + kind), words=words,
                    keys=["email", "mail", "contact_email", "reply_to", "user_email"],
                    natural=NATURAL["email"])

    # ---------------- phone ----------------
    def nanp(self):
        area = self.c(NANP_AREAS)
        while True:
            ex = self.c("23456789") + self.digits(2)
            if ex[1:] != "11" and ex != "555" and ex not in ("950", "958", "959", "976"):
                break
        line = self.digits(4)
        fmt = self.r.choices(range(9), [20, 20, 10, 8, 10, 8, 6, 6, 6])[0]
        v = ["(%s) %s-%s", "%s-%s-%s", "%s.%s.%s", "%s %s %s", "+1 %s %s %s",
             "+1-%s-%s-%s", "1-%s-%s-%s", "+1%s%s%s", "(%s)%s-%s"][fmt] % (area, ex, line)
        typ = "phone.nanp"
        if self.chance(0.15):
            v += self.c([" x" + self.digits(3, "123456789"), " ext. " + self.digits(2, "123456789"),
                         " ext " + self.digits(3, "123456789"), " x" + self.digits(4, "123456789")])
            typ = "phone.nanp_ext"
        return Item(Plant(v, "phone", "positive", typ), words=[("en", w) for w in PHONE_WORDS["en"]],
                    keys=["phone", "tel", "mobile", "phone_number", "contact_phone"],
                    natural=NATURAL["phone"])

    def e164(self, cc=None):
        cc = cc or self.c(sorted(E164))
        code, fn = E164[cc]
        groups = fn(self.r)
        assert len("".join(groups)) == E164_NSN_LEN[cc], cc
        fmt = self.r.choices(["spaced", "compact", "dashed", "00", "trunk0"], [45, 25, 10, 10, 10])[0]
        if fmt == "trunk0" and cc not in ("DE", "GB", "CH", "AT", "NL", "BE"):
            fmt = "spaced"
        if fmt == "spaced":
            v = "+" + code + " " + " ".join(groups)
        elif fmt == "compact":
            v = "+" + code + "".join(groups)
        elif fmt == "dashed":
            v = "+" + code + "-" + "-".join(groups)
        elif fmt == "00":
            v = "00" + code + " " + " ".join(groups)
        else:
            v = "+" + code + " (0)" + " ".join(groups)
        lang = PHONE_LANG.get(cc, "en")
        words = [(lang, w) for w in PHONE_WORDS[lang]]
        return Item(Plant(v, "phone", "positive", "phone.e164." + cc.lower()), words=words,
                    keys=["phone", "tel", "mobile", "msisdn", "phone_number"],
                    natural=NATURAL["phone"], lang=lang)

    def national_phone(self):
        cc = self.c(["IT", "DE", "FR", "GB", "ES"])
        r = self.r
        if cc == "IT":
            if self.chance(0.5):
                v = self.c(["06", "02", "011", "055", "081"])
                rest = self.digits(10 - len(v), "123456789")
                v = v + " " + rest[:4] + " " + rest[4:] if self.chance(0.7) else v + rest
            else:
                d = "3" + r.choice("2345789") + self.digits(8)
                v = self.c([d[:3] + " " + d[3:6] + " " + d[6:], d, d[:3] + " " + d[3:]])
        elif cc == "DE":
            if self.chance(0.5):
                area = self.c(["030", "040", "089", "069", "0221", "0711"])
                sub = self.digits(11 - len(area), "123456789")
                v = self.c(["%s %s", "(%s) %s", "%s/%s", "%s-%s"]) % (area, sub)
            else:
                pre = "01" + r.choice("567") + r.choice("0123579")
                sub = self.digits(7 + r.choice([0, 1]), "123456789")
                v = self.c(["%s %s", "%s/%s", "%s-%s", "%s%s"]) % (pre, sub)
        elif cc == "FR":
            d = "0" + r.choice("1234567") + self.digits(8)
            pairs = [d[i:i + 2] for i in range(0, 10, 2)]
            v = self.c([" ".join(pairs), ".".join(pairs), d, "-".join(pairs)])
        elif cc == "GB":
            while True:
                if self.chance(0.5):
                    d = "020" + r.choice("378") + self.digits(7)
                    v = d[:3] + " " + d[3:7] + " " + d[7:]
                    if d[3:8] != "79460":
                        break
                else:
                    d = "07" + r.choice("1234589") + self.digits(8)
                    v = self.c([d[:5] + " " + d[5:], d])
                    if not d.startswith("07700900"):
                        break
        else:  # ES
            d = self.c(["6", "7", "9"]) + self.digits(8)
            if d[0] == "7":
                d = "7" + r.choice("1234") + d[2:]
            v = self.c([d[:3] + " " + d[3:5] + " " + d[5:7] + " " + d[7:],
                        d[:3] + " " + d[3:6] + " " + d[6:], d])
        lang = PHONE_LANG.get(cc, "en")
        return Item(Plant(v, "phone", "positive", "phone.national." + cc.lower()),
                    words=[(lang, w) for w in PHONE_WORDS[lang]],
                    keys=["telefono", "telefon", "tel", "phone"], gated=self.chance(0.5),
                    natural=NATURAL["phone"], lang=lang)

    def phone(self):
        k = self.r.choices(["nanp", "e164", "nat"], [35, 45, 20])[0]
        return self.nanp() if k == "nanp" else self.e164() if k == "e164" else self.national_phone()

    # ---------------- credit cards ----------------
    def card_number(self):
        r = self.r
        brand = r.choices(["visa", "mastercard", "mastercard2", "amex", "discover", "jcb",
                           "diners", "unionpay", "maestro"], [25, 15, 8, 12, 8, 8, 6, 8, 10])[0]
        if brand == "visa":
            pre, n = "4", 16
        elif brand == "mastercard":
            pre, n = "5" + r.choice("12345"), 16
        elif brand == "mastercard2":
            pre, n = str(r.randint(2221, 2720)), 16
        elif brand == "amex":
            pre, n = r.choice(["34", "37"]), 15
        elif brand == "discover":
            pre, n = r.choice(["6011", "65", str(r.randint(644, 649))]), 16
        elif brand == "jcb":
            pre, n = str(r.randint(3528, 3589)), 16
        elif brand == "diners":
            pre, n = r.choice(["36", "38", str(r.randint(300, 305))]), 14
        elif brand == "unionpay":
            pre, n = "62" + r.choice("1234578"), r.choice([16, 16, 19])
        else:
            pre, n = r.choice(["5018", "5020", "5038", "6304", "6759", "6761", "6763"]), r.choice([16, 16, 19])
        while True:
            num = luhn_complete(pre + self.digits(n - len(pre) - 1))
            if num not in KNOWN_TEST_CARDS and len(set(num[len(pre):])) > 3:
                return brand, num

    def card_format(self, num):
        sep = self.r.choices([" ", "-", ""], [45, 20, 35])[0]
        n = len(num)
        if n == 15:
            groups = [num[:4], num[4:10], num[10:]]
        elif n == 14:
            groups = [num[:4], num[4:10], num[10:]]
        else:
            groups = [num[i:i + 4] for i in range(0, n, 4)]
        return sep.join(groups)

    def credit_card(self):
        brand, num = self.card_number()
        words = [("en", "card number"), ("en", "Card"), ("en", "CC"), ("en", "credit card"),
                 ("de", "Kartennummer"), ("it", "numero carta"), ("fr", "numéro de carte"),
                 ("es", "número de tarjeta")]
        return Item(Plant(self.card_format(num), "credit_card", "positive", "credit_card." + brand),
                    words=words, keys=["card_number", "cc", "pan", "card"],
                    natural=NATURAL["credit_card"])

    # ---------------- IBAN ----------------
    def bban(self, cc):
        spec, banks = IBAN_SPECS[cc]
        out = ""
        first_alpha = True
        for m in re.finditer(r"(\d+)([nac])", spec):
            k, t = int(m.group(1)), m.group(2)
            if t == "n":
                out += self.digits(k)
            elif t == "a":
                if banks and first_alpha and k == 4:
                    out += self.c(banks)
                else:
                    out += self.chars(UPPER, k)
                first_alpha = False
            else:
                pa = 0.3 if cc in ("BG", "RO", "MT") else 0.03
                out += "".join(self.r.choice(UPPER) if self.chance(pa) else self.r.choice(DIGITS)
                               for _ in range(k))
        # national check digits where they are simple and public
        if cc == "BE":
            # a bank code in use (BNP Paribas Fortis, Belfius, Crelan)
            out = "%03d" % self.c([self.r.randint(1, 99), self.r.randint(103, 108)]) + out[3:]
            chk = int(out[:10]) % 97 or 97
            out = out[:10] + "%02d" % chk
        elif cc == "ES":
            w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

            def dc(s):
                v = 11 - sum(int(c) * x for c, x in zip(s, w)) % 11
                return {10: 1, 11: 0}.get(v, v)
            out = out[:8] + "%d%d" % (dc("00" + out[:8]), dc(out[10:])) + out[10:]
        elif cc == "FR":
            acct = self.digits(11)
            key = 97 - (89 * int(out[:5]) + 15 * int(out[5:10]) + 3 * int(acct)) % 97
            out = out[:10] + acct + "%02d" % key
        elif cc == "IT":
            body = out[1:]
            out = cf_check(body) + body
        elif cc == "NO":
            while True:
                acct = self.digits(10)
                c = 11 - sum(int(a) * w for a, w in zip(acct, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])) % 11
                if c != 10:
                    out = acct + str(c % 11)
                    break
        elif cc == "PT":
            out = out[:19] + "%02d" % (98 - (int(out[:19]) * 100) % 97)
        return out

    def iban_value(self, cc=None):
        cc = cc or self.c(IBAN_COUNTRIES)
        return cc, iban_make(cc, self.bban(cc))

    def iban_format(self, iban):
        if self.chance(0.55):
            return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def iban(self):
        cc, iban = self.iban_value()
        words = [("en", "IBAN"), ("en", "IBAN"), ("en", "bank account"), ("de", "IBAN"),
                 ("it", "IBAN"), ("fr", "IBAN"), ("es", "IBAN"), ("en", "IBAN (EUR)")]
        return Item(Plant(self.iban_format(iban), "iban", "positive", "iban." + cc.lower()),
                    words=words, keys=["iban", "bank_account", "account_iban"],
                    natural=NATURAL["iban"])

    # ---------------- IP / MAC ----------------
    def ipv4_public(self):
        r = self.r
        while True:
            a = r.randint(1, 223)
            b, c, d = r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)
            if a in (10, 127, 0) or (a == 100 and 64 <= b <= 127) or (a == 169 and b == 254):
                continue
            if (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168):
                continue
            if (a, b, c) in ((192, 0, 2), (198, 51, 100), (203, 0, 113), (192, 0, 0)):
                continue
            if a == 198 and b in (18, 19):
                continue
            return "%d.%d.%d.%d" % (a, b, c, d)

    def ipv6(self):
        r = self.r
        # global unicast from the RIR blocks (2001:0200+, 2400::/12, 2600::/12, 2800::/12,
        # 2a00::/12, 2c00::/12): never 6to4, Teredo or the 2001:db8::/32 documentation range
        groups = [r.choice([0x2001, 0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00])] + \
            [r.randint(0, 0xffff) for _ in range(7)]
        if groups[0] == 0x2001:
            groups[1] = r.randint(0x0200, 0x0dff)
            if groups[1] == 0x0db8:
                groups[1] = 0x0db9
        else:
            groups[0] += r.randint(0, 0xf)
        kind = r.choices(["v6_full", "v6_compressed", "v6_mapped"], [30, 50, 20])[0]
        if kind == "v6_full":
            if self.chance(0.5):
                v = ":".join("%04x" % g for g in groups)
            else:
                v = ":".join("%x" % g for g in groups)
        elif kind == "v6_compressed":
            z = r.randint(2, 5)              # groups replaced by "::"
            h = r.randint(2, 8 - z)          # groups before it (the routing prefix stays)
            head, tail = groups[:h], groups[h + z:]
            v = ":".join("%x" % g for g in head) + "::" + ":".join("%x" % g for g in tail)
        else:
            v = "::ffff:" + self.ipv4_public()
        if self.chance(0.1) and kind != "v6_mapped":
            v = v.upper()
        return kind, v

    def ip(self):
        if self.chance(0.6):
            kind, v = "v4", self.ipv4_public()
        else:
            kind, v = self.ipv6()
        words = [("en", "IP"), ("en", "IP address"), ("en", "client IP"), ("en", "~from"),
                 ("en", "source address"), ("de", "IP-Adresse"), ("fr", "adresse IP")]
        return Item(Plant(v, "ip_address", "positive", "ip_address." + kind), words=words,
                    keys=["ip", "client_ip", "remote_addr", "src_ip", "ip_address"],
                    natural=NATURAL["ip_address"])

    def mac(self):
        b = [self.r.randint(0, 255) for _ in range(6)]
        if self.chance(0.65):   # a real vendor prefix (IEEE OUI)
            b[:3] = bytes.fromhex(self.c(MAC_OUIS))
        else:                   # a randomised, locally administered unicast address
            b[0] = (b[0] & 0xFC) | 0x02
        kind = self.r.choices(["colon", "dash", "dot"], [60, 25, 15])[0]
        hx = ["%02x" % x for x in b]
        if kind == "colon":
            v = ":".join(hx)
        elif kind == "dash":
            v = "-".join(hx)
        else:
            s = "".join(hx)
            v = ".".join(s[i:i + 4] for i in range(0, 12, 4))
        if kind != "dot" and self.chance(0.5):
            v = v.upper()
        words = [("en", "MAC"), ("en", "MAC address"), ("en", "hwaddr"), ("en", "~ether"),
                 ("de", "MAC-Adresse")]
        return Item(Plant(v, "mac_address", "positive", "mac_address." + kind), words=words,
                    keys=["mac", "hwaddr", "mac_address", "device_mac"],
                    natural=NATURAL["mac_address"])

    # ---------------- US SSN ----------------
    SSN_WORDS = [("en", "SSN"), ("en", "SSN"), ("en", "Social Security Number"),
                 ("en", "social security no."), ("en", "SSN#"), ("en", "Soc. Sec. #")]

    def ssn_value(self):
        r = self.r
        while True:
            area = r.randint(1, 899)
            if area == 666:
                continue
            group, serial = r.randint(1, 99), r.randint(1, 9999)
            s = "%03d-%02d-%04d" % (area, group, serial)
            if s not in ("078-05-1120", "219-09-9999", "123-45-6789"):
                return s

    def ssn(self):
        s = self.ssn_value()
        fmt = self.r.choices(["dashed", "spaced", "plain"], [70, 15, 15])[0]
        v = s if fmt == "dashed" else s.replace("-", " ") if fmt == "spaced" else s.replace("-", "")
        return Item(Plant(v, "us_ssn", "positive", "us_ssn." + fmt), words=self.SSN_WORDS,
                    gated=True, keys=["ssn", "social_security_number", "ssn_last_verified"])

    # ---------------- dates of birth ----------------
    def date_parts(self, y0, y1):
        y = self.r.randint(y0, y1)
        m = self.r.randint(1, 12)
        d = self.r.randint(1, 28)
        return y, m, d

    def format_date(self, y, m, d, lang):
        r = self.r
        if lang == "en":
            k = r.choice(["us", "iso", "long_en", "long_en2", "eu_slash"])
            v = {"us": "%02d/%02d/%d" % (m, d, y), "iso": "%d-%02d-%02d" % (y, m, d),
                 "long_en": "%d %s %d" % (d, MONTHS_EN[m - 1], y),
                 "long_en2": "%s %d, %d" % (MONTHS_EN[m - 1], d, y),
                 "eu_slash": "%02d/%02d/%d" % (d, m, y)}[k]
        elif lang == "de":
            k = r.choice(["dotted", "long_de"])
            v = "%02d.%02d.%d" % (d, m, y) if k == "dotted" else "%d. %s %d" % (d, MONTHS_DE[m - 1], y)
        elif lang == "it":
            k = r.choice(["eu_slash", "long_it"])
            v = "%02d/%02d/%d" % (d, m, y) if k == "eu_slash" else "%d %s %d" % (d, MONTHS_IT[m - 1], y)
        elif lang == "fr":
            k = r.choice(["eu_slash", "long_fr"])
            v = "%02d/%02d/%d" % (d, m, y) if k == "eu_slash" else "%d %s %d" % (d, MONTHS_FR[m - 1], y)
        else:
            k = r.choice(["eu_slash", "long_es"])
            v = "%02d/%02d/%d" % (d, m, y) if k == "eu_slash" else "%d de %s de %d" % (d, MONTHS_ES[m - 1], y)
        return k, v

    def dob(self):
        lang = self.r.choices(["en", "de", "it", "fr", "es"], [50, 15, 12, 12, 11])[0]
        y, m, d = self.date_parts(1940, 2006)
        k, v = self.format_date(y, m, d, lang)
        return Item(Plant(v, "date_of_birth", "positive", "date_of_birth." + k),
                    words=[(lang, w) for w in DOB_WORDS[lang]], gated=True, lang=lang,
                    keys=["dob", "date_of_birth", "birth_date", "birthdate"])

    # ---------------- crypto ----------------
    def btc(self):
        k = self.r.choices(["btc_p2pkh", "btc_p2sh", "btc_bech32", "btc_bech32m"], [35, 20, 30, 15])[0]
        rb = lambda n: bytes(self.r.randint(0, 255) for _ in range(n))
        if k == "btc_p2pkh":
            v = b58check(0x00, rb(20))
        elif k == "btc_p2sh":
            v = b58check(0x05, rb(20))
        elif k == "btc_bech32":
            v = segwit_address("bc", 0, rb(self.c([20, 20, 32])))
        else:
            v = segwit_address("bc", 1, rb(32))
        return k, v

    def eth(self):
        raw = self.chars(HEX, 40)
        if self.chance(0.5):
            return "eth_lower", "0x" + raw
        return "eth_eip55", eip55(raw)

    def crypto(self):
        k, v = self.btc() if self.chance(0.6) else self.eth()
        words = [("en", "BTC" if k.startswith("btc") else "ETH"),
                 ("en", "bitcoin address" if k.startswith("btc") else "ethereum address"),
                 ("en", "wallet"), ("en", "wallet address")]
        return Item(Plant(v, "crypto_wallet", "positive", "crypto_wallet." + k), words=words,
                    keys=["wallet", "btc_address" if k.startswith("btc") else "eth_address",
                          "payout_address"], natural=NATURAL["crypto_wallet"])

    # ---------------- national identifiers ----------------
    def _cf_code(self, word, is_name):
        w = word.upper()
        cons = [c for c in w if c in "BCDFGHJKLMNPQRSTVWXYZ"]
        vow = [c for c in w if c in "AEIOU"]
        if is_name and len(cons) >= 4:
            cons = [cons[0], cons[2], cons[3]]
        return ("".join(cons + vow) + "XXX")[:3]

    def codice_fiscale(self, first=None, last=None):
        f, l = first or self.c(FIRST), last or self.c(LAST)
        y, m, d = self.date_parts(1940, 2005)
        if self.chance(0.5):
            d += 40
        body = (self._cf_code(l, False) + self._cf_code(f, True) + "%02d" % (y % 100) +
                "ABCDEHLMPRST"[m - 1] + "%02d" % d +
                self.c(["H501", "F205", "L219", "A662", "D612", "F839", "G273", "L736", "C351"]))
        return body + cf_check(body)

    def national_id(self, typ=None):
        r = self.r
        typ = typ or self.c(NATIONAL_TYPES)
        if typ == "it_codice_fiscale":
            v = self.codice_fiscale()
            words = [("it", "codice fiscale"), ("it", "Codice Fiscale"), ("it", "C.F."),
                     ("it", "cod. fiscale")]
            keys = ["codice_fiscale", "cf"]
        elif typ == "it_partita_iva":
            d = self.digits(7, "0123456789") + "%03d" % r.randint(1, 100)
            v = d + piva_check(d)
            words = [("it", "Partita IVA"), ("it", "P.IVA"), ("it", "P. IVA"), ("it", "partita iva n.")]
            keys = ["partita_iva", "piva"]
        elif typ == "es_dni":
            n = r.randint(1000000, 99999999)
            v = "%08d" % n + es_dni_letter(n)
            if self.chance(0.25):
                v = v[:8] + "-" + v[8]
            words = [("es", "DNI"), ("es", "D.N.I."), ("es", "DNI nº")]
            keys = ["dni"]
        elif typ == "es_nie":
            p = r.choice("XYZ")
            n = r.randint(0, 9999999)
            v = p + "%07d" % n + es_dni_letter(int(str("XYZ".index(p)) + "%07d" % n))
            words = [("es", "NIE"), ("es", "N.I.E.")]
            keys = ["nie"]
        elif typ == "fr_nir":
            sex = r.choice("12")
            y, m, _ = self.date_parts(1945, 2005)
            dept = "%02d" % r.choice([x for x in range(1, 96) if x != 20])
            d13 = sex + "%02d" % (y % 100) + "%02d" % m + dept + "%03d" % r.randint(1, 990) + "%03d" % r.randint(1, 999)
            key = nir_key(d13)
            v = self.c([d13 + key, " ".join([d13[0], d13[1:3], d13[3:5], d13[5:7], d13[7:10], d13[10:13], key])])
            words = [("fr", "NIR"), ("fr", "numéro de sécurité sociale"), ("fr", "n° de sécurité sociale"),
                     ("fr", "N° SS")]
            keys = ["nir", "numero_securite_sociale"]
        elif typ == "de_steuer_id":
            while True:
                digs = list(r.sample(DIGITS, 9))
                dup = r.choice(digs)
                digs.insert(r.randint(0, 9), dup)
                d10 = "".join(digs)
                if d10[0] != "0":
                    break
            v = d10 + steuer_id_check(d10)
            if self.chance(0.3):
                v = v[:2] + " " + v[2:5] + " " + v[5:8] + " " + v[8:]
            words = [("de", "Steuer-ID"), ("de", "Steueridentifikationsnummer"),
                     ("de", "Steuer-IdNr."), ("de", "IdNr.")]
            keys = ["steuer_id", "steueridentifikationsnummer", "idnr"]
        elif typ == "uk_nino":
            bad1, bad2 = set("DFIQUV"), set("DFIQUVO")
            while True:
                p = r.choice(UPPER) + r.choice(UPPER)
                if p[0] not in bad1 and p[1] not in bad2 and p not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
                    break
            dd = self.digits(6)
            suf = r.choice("ABCD")
            v = self.c([p + dd + suf, "%s %s %s %s %s" % (p, dd[:2], dd[2:4], dd[4:], suf)])
            words = [("en", "NINO"), ("en", "National Insurance number"), ("en", "NI number"), ("en", "NI No.")]
            keys = ["nino", "ni_number", "national_insurance_number"]
        elif typ == "uk_nhs":
            while True:
                d9 = self.digits(9, "3456789")
                c = nhs_check(d9)
                if c is not None:
                    break
            d = d9 + c
            v = self.c([d, d[:3] + " " + d[3:6] + " " + d[6:], d[:3] + "-" + d[3:6] + "-" + d[6:]])
            words = [("en", "NHS number"), ("en", "NHS No."), ("en", "NHS no")]
            keys = ["nhs_number", "nhs_no"]
        elif typ == "nl_bsn":
            while True:
                d8 = self.digits(8, "123456789")
                s = sum(int(c) * w for c, w in zip(d8, range(9, 1, -1))) % 11
                if s < 10:
                    break
            v = d8 + str(s)
            if self.chance(0.2):
                v = v[:4] + "." + v[4:6] + "." + v[6:]
            words = [("en", "BSN"), ("en", "BSN"), ("en", "burgerservicenummer"), ("en", "BSN-nummer")]
            keys = ["bsn", "burgerservicenummer"]
        elif typ == "pl_pesel":
            y, m, d = self.date_parts(1940, 2010)
            mm = m + (20 if y >= 2000 else 0)
            d10 = "%02d%02d%02d" % (y % 100, mm, d) + self.digits(4)
            v = d10 + pesel_check(d10)
            words = [("en", "PESEL"), ("en", "nr PESEL"), ("en", "PESEL nr")]
            keys = ["pesel"]
        elif typ == "pt_nif":
            d8 = r.choice("1235") + self.digits(7)
            v = d8 + pt_nif_check(d8)
            words = [("en", "NIF"), ("en", "contribuinte n.º"), ("en", "NIF/NIPC")]
            keys = ["nif", "contribuinte"]
        elif typ == "be_nrn":
            y, m, d = self.date_parts(1945, 2010)
            d9 = "%02d%02d%02d" % (y % 100, m, d) + "%03d" % r.randint(1, 997)
            c = be_nrn_check(d9, y >= 2000)
            d = d9 + c
            v = self.c([d, "%s.%s.%s-%s.%s" % (d[:2], d[2:4], d[4:6], d[6:9], d[9:])])
            words = [("fr", "numéro de registre national"), ("en", "rijksregisternummer"),
                     ("en", "INSZ"), ("fr", "NN")]
            keys = ["rijksregisternummer", "national_number", "insz"]
        elif typ == "se_personnummer":
            y, m, d = self.date_parts(1940, 2005)
            d9 = "%02d%02d%02d" % (y % 100, m, d) + self.digits(3)
            full = luhn_complete(d9)
            if self.chance(0.3):
                v = "%02d" % (y // 100) + full[:6] + "-" + full[6:]
            else:
                v = full[:6] + "-" + full[6:]
            words = [("en", "personnummer"), ("en", "Personnummer"), ("en", "pnr")]
            keys = ["personnummer", "pnr"]
        elif typ == "fi_hetu":
            y, m, d = self.date_parts(1940, 2010)
            sign = "-" if y < 2000 else "A"
            nnn = "%03d" % r.randint(2, 899)
            d9 = "%02d%02d%02d" % (d, m, y % 100) + nnn
            v = d9[:6] + sign + nnn + hetu_check(d9)
            words = [("en", "henkilötunnus"), ("en", "HETU"), ("en", "hetu")]
            keys = ["henkilotunnus", "hetu"]
        elif typ == "br_cpf":
            while True:
                d9 = self.digits(9)
                if len(set(d9)) > 1:
                    break
            d = d9 + cpf_checks(d9)
            v = self.c([d, "%s.%s.%s-%s" % (d[:3], d[3:6], d[6:9], d[9:])])
            words = [("en", "CPF"), ("en", "CPF nº"), ("en", "CPF")]
            keys = ["cpf"]
        elif typ == "br_cnpj":
            d12 = self.digits(8) + "0001"
            d = d12 + cnpj_checks(d12)
            v = self.c([d, "%s.%s.%s/%s-%s" % (d[:2], d[2:5], d[5:8], d[8:12], d[12:])])
            words = [("en", "CNPJ"), ("en", "CNPJ nº")]
            keys = ["cnpj"]
        elif typ == "in_aadhaar":
            d = verhoeff_complete(self.digits(11, "23456789"))
            v = self.c([d, d[:4] + " " + d[4:8] + " " + d[8:], d[:4] + "-" + d[4:8] + "-" + d[8:]])
            words = [("en", "Aadhaar"), ("en", "Aadhaar No."), ("en", "Aadhaar number"), ("en", "UID")]
            keys = ["aadhaar", "aadhaar_number", "uid"]
        elif typ == "in_pan":
            v = self.chars(UPPER, 3) + r.choice("PCHFATBLJG") + self.chars(UPPER, 1) + self.digits(4) + self.chars(UPPER, 1)
            words = [("en", "PAN"), ("en", "PAN card"), ("en", "PAN No."), ("en", "Permanent Account Number")]
            keys = ["pan", "pan_number"]
        elif typ == "ca_sin":
            d = luhn_complete(self.digits(8, "1234567"))
            v = self.c([d[:3] + " " + d[3:6] + " " + d[6:], d[:3] + "-" + d[3:6] + "-" + d[6:], d])
            words = [("en", "SIN"), ("en", "Social Insurance Number"), ("fr", "NAS")]
            keys = ["sin", "social_insurance_number"]
        elif typ == "au_tfn":
            while True:
                d8 = self.digits(8, "123456789")
                w = [1, 4, 3, 7, 5, 8, 6, 9]
                c = sum(int(a) * b for a, b in zip(d8, w)) % 11
                if c < 10:
                    break
            d = d8 + str(c)
            v = self.c([d[:3] + " " + d[3:6] + " " + d[6:], d])
            words = [("en", "TFN"), ("en", "tax file number"), ("en", "Tax File Number")]
            keys = ["tfn", "tax_file_number"]
        elif typ == "au_medicare":
            d8 = self.digits(8, "23456")
            d = d8 + medicare_check(d8) + r.choice("123456789")
            v = self.c([d[:4] + " " + d[4:9] + " " + d[9:], d])
            words = [("en", "Medicare"), ("en", "Medicare number"), ("en", "Medicare card no.")]
            keys = ["medicare", "medicare_number"]
        elif typ == "sg_nric":
            p = r.choice("STFG")
            d7 = self.digits(7)
            v = p + d7 + nric_check(p, d7)
            words = [("en", "NRIC"), ("en", "NRIC/FIN"), ("en", "NRIC No.")]
            keys = ["nric", "nric_fin"]
        elif typ == "kr_rrn":
            y, m, d = self.date_parts(1945, 2005)
            g = r.choice("12") if y < 2000 else r.choice("34")
            d12 = "%02d%02d%02d" % (y % 100, m, d) + g + "%02d" % r.randint(0, 95) + self.digits(3)
            v = d12[:6] + "-" + d12[6:] + rrn_check(d12)
            words = [("en", "RRN"), ("en", "resident registration number"), ("en", "주민등록번호")]
            keys = ["rrn", "resident_registration_number"]
        elif typ == "cn_resident_id":
            region = self.c(["110101", "310104", "440305", "330106", "510107", "420106", "320102"])
            y, m, d = self.date_parts(1950, 2005)
            d17 = region + "%d%02d%02d" % (y, m, d) + self.digits(3)
            v = d17 + cn_ric_check(d17)
            words = [("en", "身份证号"), ("en", "resident ID"), ("en", "ID card no."), ("en", "身份证")]
            keys = ["id_card", "resident_id", "shenfenzheng"]
        else:
            raise ValueError(typ)
        return Item(Plant(v, "national_id", "positive", "national_id." + typ), words=words,
                    gated=True, keys=keys)

    # ---------------- secrets ----------------
    def secret(self, typ=None):
        r = self.r
        typ = typ or r.choices(SECRET_TYPES, SECRET_WEIGHTS)[0]
        multiline = False
        if typ == "aws_access_key_id":
            v = r.choice(["AKIA", "AKIA", "AKIA", "ASIA"]) + self.chars(B32, 16)
            words = [("en", "aws_access_key_id ="), ("en", "AWS_ACCESS_KEY_ID="), ("en", "access key")]
            keys = ["aws_access_key_id", "AWS_ACCESS_KEY_ID", "accessKeyId"]
        elif typ == "aws_secret_access_key":
            v = self.chars(string.ascii_letters + string.digits + "/+", 40)
            words = [("en", "aws_secret_access_key ="), ("en", "AWS_SECRET_ACCESS_KEY=")]
            keys = ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "secretAccessKey"]
        elif typ == "github_pat":
            v = github_style_token(r, r.choice(["ghp_", "ghp_", "ghp_", "gho_", "ghs_", "ghu_"]))
            words = [("en", "GitHub token"), ("en", "GITHUB_TOKEN=")]
            keys = ["GITHUB_TOKEN", "github_token", "GH_TOKEN"]
        elif typ == "github_fine_grained_pat":
            v = "github_pat_" + self.chars(ALNUM, 22) + "_" + self.chars(ALNUM, 59)
            words = [("en", "GitHub token"), ("en", "GH_TOKEN=")]
            keys = ["GITHUB_TOKEN", "GH_PAT"]
        elif typ == "gitlab_pat":
            v = "glpat-" + self.chars(ALNUM + "_-", 20)
            words = [("en", "GitLab token"), ("en", "GITLAB_TOKEN=")]
            keys = ["GITLAB_TOKEN", "gitlab_private_token"]
        elif typ == "slack_bot":
            v = "xoxb-" + self.digits(r.randint(10, 13), "123456789") + "-" + \
                self.digits(r.randint(10, 13), "123456789") + "-" + self.chars(ALNUM, 24)
            words = [("en", "Slack bot token"), ("en", "SLACK_BOT_TOKEN=")]
            keys = ["SLACK_BOT_TOKEN", "slack_token"]
        elif typ == "slack_user":
            v = "xoxp-" + "-".join(self.digits(r.randint(10, 13), "123456789") for _ in range(3)) + \
                "-" + self.chars(HEX, 32)
            words = [("en", "Slack token"), ("en", "SLACK_USER_TOKEN=")]
            keys = ["SLACK_USER_TOKEN", "slack_token"]
        elif typ == "stripe_live":
            v = r.choice(["sk_live_", "sk_live_", "rk_live_"]) + self.chars(ALNUM, r.choice([24, 24, 34, 99]))
            words = [("en", "Stripe key"), ("en", "STRIPE_SECRET_KEY=")]
            keys = ["STRIPE_SECRET_KEY", "stripe_api_key"]
        elif typ == "google_api_key":
            v = "AIza" + self.chars(URLSAFE, 35)
            words = [("en", "API key"), ("en", "GOOGLE_API_KEY=")]
            keys = ["GOOGLE_API_KEY", "google_maps_key", "apiKey"]
        elif typ == "openai":
            v = "sk-proj-" + self.chars(URLSAFE, 74) + "T3BlbkFJ" + self.chars(URLSAFE, 74)
            words = [("en", "OpenAI key"), ("en", "OPENAI_API_KEY=")]
            keys = ["OPENAI_API_KEY", "openai_api_key"]
        elif typ == "anthropic":
            v = "sk-ant-api03-" + self.chars(URLSAFE, 93) + "AA"
            words = [("en", "Anthropic key"), ("en", "ANTHROPIC_API_KEY=")]
            keys = ["ANTHROPIC_API_KEY", "anthropic_api_key"]
        elif typ == "twilio":
            v = "SK" + self.chars(HEX, 32)
            words = [("en", "Twilio API key"), ("en", "TWILIO_API_KEY=")]
            keys = ["TWILIO_API_KEY", "twilio_key_sid"]
        elif typ == "sendgrid":
            v = "SG." + self.chars(URLSAFE, 22) + "." + self.chars(URLSAFE, 43)
            words = [("en", "SendGrid key"), ("en", "SENDGRID_API_KEY=")]
            keys = ["SENDGRID_API_KEY", "sendgrid_key"]
        elif typ == "npm":
            v = github_style_token(r, "npm_")
            words = [("en", "npm token"), ("en", "NPM_TOKEN=")]
            keys = ["NPM_TOKEN", "//registry.npmjs.org/:_authToken"]
        elif typ == "jwt":
            v = self.jwt()
            words = [("en", "~Authorization: Bearer"), ("en", "token"), ("en", "id_token")]
            keys = ["access_token", "id_token", "jwt", "Authorization"]
        elif typ == "url_credentials":
            v = self.cred_url()
            words = [("en", "DATABASE_URL="), ("en", "connection string"), ("en", "remote")]
            keys = ["DATABASE_URL", "database_url", "broker_url", "REDIS_URL"]
        elif typ == "password":
            v = self.password()
            words = [("en", "password ="), ("en", "password:"), ("en", "DB_PASSWORD="), ("en", "passwd")]
            keys = ["password", "DB_PASSWORD", "db_password", "smtp_password", "admin_pass"]
        elif typ == "pem_private_key":
            v = self.pem()
            words = [("en", "key")]
            keys = ["private_key"]
            multiline = True
        else:
            raise ValueError(typ)
        gated = typ in ("password", "aws_secret_access_key")
        return Item(Plant(v, "secret", "positive", "secret." + typ), words=words, gated=gated,
                    keys=keys, natural=NATURAL["secret"] if not gated else (), multiline=multiline)

    def password(self):
        sym = "!#$%&*+-.=?^_~"
        while True:
            n = self.r.randint(12, 20)
            v = self.chars(string.ascii_letters + string.digits + sym, n)
            if (any(c.isdigit() for c in v) and any(c.isupper() for c in v) and
                    any(c.islower() for c in v) and any(c in sym for c in v) and v[0] not in "-.#"):
                return v

    def cred_url(self):
        f, l = self.name()
        user = self.c([f.lower(), "admin", "app", "svc_" + l.lower(), "deploy", "root"])
        pw = self.chars(ALNUM, self.r.randint(12, 24))
        host = self.c(["db", "pg", "mq", "cache", "mongo", "git"]) + "." + self.c(["internal", "prod", "eu"]) + \
            "." + self.company_domain()
        scheme = self.c(["https", "postgres", "postgresql", "mysql", "mongodb+srv", "amqp", "redis", "ftp"])
        path = self.c(["/", "/app", "/orders", "/vhost", "/" + self.c(PATH_WORDS)])
        port = "" if scheme in ("https", "mongodb+srv", "ftp") or self.chance(0.4) else ":" + self.c(
            ["5432", "3306", "5672", "6379", "27017"])
        if scheme == "https":
            path = "/" + self.c(PATH_WORDS) + "/" + l.lower() + ".git"
        return "%s://%s:%s@%s%s%s" % (scheme, user, pw, host, port, path)

    def jwt(self):
        f, l = self.name()
        alg = self.c(["HS256", "RS256", "ES256"])
        header = json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode()
        iat = self.r.randint(1600000000, 1750000000)
        payload = {"sub": self.chars(HEX, 24), "name": f + " " + l, "iat": iat, "exp": iat + 3600}
        if self.chance(0.5):
            payload["role"] = self.c(["user", "admin", "editor"])
        body = json.dumps(payload, separators=(",", ":")).encode()
        sig = bytes(self.r.randint(0, 255) for _ in range({"HS256": 32, "RS256": 256, "ES256": 64}[alg]))
        return b64url(header) + "." + b64url(body) + "." + b64url(sig)

    def pem(self):
        kind = self.c(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
        prefix = {"RSA PRIVATE KEY": bytes.fromhex("308204a40201000282010100"),
                  "PRIVATE KEY": bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7"),
                  "EC PRIVATE KEY": bytes.fromhex("30770201010420"),
                  "OPENSSH PRIVATE KEY": b"openssh-key-v1\x00"}[kind]
        size = {"RSA PRIVATE KEY": 1190, "PRIVATE KEY": 1210, "EC PRIVATE KEY": 110,
                "OPENSSH PRIVATE KEY": 380}[kind]
        size = size - size % 3
        blob = prefix + bytes(self.r.randint(0, 255) for _ in range(size - len(prefix)))
        b64 = base64.b64encode(blob).decode()
        width = 70 if kind.startswith("OPENSSH") else 64
        lines = [b64[i:i + width] for i in range(0, len(b64), width)]
        return "-----BEGIN %s-----\n%s\n-----END %s-----" % (kind, "\n".join(lines), kind)

    # ---------------- URL ----------------
    def url(self):
        dom = self.c(["www.", "", "docs.", "blog.", "shop."]) + self.company_domain()
        path = "/".join(self.c(PATH_WORDS) for _ in range(self.r.randint(0, 3)))
        v = "https://" + dom + "/" + path
        if self.chance(0.3):
            v += "?" + self.c(["ref=newsletter", "lang=en", "utm_source=mail", "tab=billing", "page=" + self.digits(1, "23456789")])
        return Item(Plant(v, "url", "positive", "url.https"), natural=NATURAL["url"],
                    keys=["url", "link", "homepage"])

    # ---------------- hard negatives ----------------
    def hn(self, cat, typ, v, natural, keys=()):
        return Item(Plant(v, cat, "hard_negative", cat + "." + typ), natural=natural, keys=keys)

    def hard_negative(self, k=None):
        r = self.r
        k = k or r.choices(HN_TYPES, HN_WEIGHTS)[0]
        if k == "luhn_fail":
            _, num = self.card_number()
            num = num[:-1] + str((int(num[-1]) + r.randint(1, 9)) % 10)
            return self.hn("credit_card", "luhn_fail", self.card_format(num),
                           natural=["Reference {v} on the statement is not mine.",
                                    "The terminal printed {v} on the slip."], keys=["payment_ref", "ref"])
        if k == "iban_mod97_fail":
            cc, iban = self.iban_value()
            while True:
                i = r.randint(4, len(iban) - 1)
                if iban[i].isdigit():
                    bad = iban[:i] + str((int(iban[i]) + r.randint(1, 9)) % 10) + iban[i + 1:]
                    break
            return self.hn("iban", "mod97_fail", self.iban_format(bad),
                           natural=["The form rejected {v} as invalid.", "Account reference {v} bounced."],
                           keys=["iban", "account"])
        if k == "order_number":
            v = self.c(["%s-%s-%s" % (self.digits(3, "1234"), self.digits(7), self.digits(7)),
                        "%s%s" % (self.c(["A", "B", "SO-", "ORD-"]), self.digits(8)),
                        self.digits(10, "123456789")])
            return Item(Plant(v, "phone", "hard_negative", "phone.order_number"),
                        keys=["order_id", "order"],
                        natural=["Order #{v} arrived damaged.", "Regarding order #{v}, see below.",
                                 "Bestellnummer {v} ist noch offen.", "Ordine n. {v} non ancora spedito."])
        if k == "tracking_number":
            v = self.c(["1Z" + self.chars(UPPER + DIGITS, 6) + self.digits(10),
                        "9400 " + " ".join(self.digits(4) for _ in range(4)) + " " + self.digits(2),
                        self.digits(12, "123456789"), self.digits(20, "9")])
            return Item(Plant(v, "credit_card", "hard_negative", "credit_card.tracking_number"),
                        keys=["tracking", "tracking_number"],
                        natural=["Tracking number: {v}", "The parcel {v} shows as delivered.",
                                 "Sendungsnummer {v}"])
        if k == "isbn13":
            d12 = self.c(["978", "979"]) + self.digits(9)
            d = d12 + isbn13_check(d12)
            v = self.c([d, "%s-%s-%s-%s-%s" % (d[:3], d[3], d[4:7], d[7:12], d[12])])
            return Item(Plant(v, "phone", "hard_negative", "phone.isbn13"),
                        keys=["isbn"],
                        natural=["ISBN {v}", "The book (ISBN {v}) is out of stock."])
        if k == "uuid":
            h = self.chars(HEX, 32)
            h = h[:12] + "4" + h[13:16] + self.c("89ab") + h[17:]
            v = "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
            return Item(Plant(v, "secret", "hard_negative", "secret.uuid"),
                        keys=["request_id", "tenant_id", "trace_id"],
                        natural=["Request ID {v}", "Correlation id {v} in the logs.",
                                 "The object {v} was deleted."])
        if k == "git_sha1":
            v = self.chars(HEX, 40)
            return Item(Plant(v, "secret", "hard_negative", "secret.git_sha1"),
                        keys=["commit", "git_sha"],
                        natural=["Fixed in commit {v}.", "Reverting {v} fixes it.", "Deployed revision {v}."])
        if k == "sha256":
            v = self.chars(HEX, 64)
            return Item(Plant(v, "secret", "hard_negative", "secret.sha256"),
                        keys=["checksum", "digest", "sha_sum"],
                        natural=["checksum {v}", "The image digest is {v}.", "SHA sum: {v}"])
        if k == "version":
            v = self.c(["%d.%d.%d.%d" % (r.randint(1, 12), r.randint(0, 40), r.randint(0, 250), r.randint(0, 250)),
                        "v%d.%d.%d" % (r.randint(1, 30), r.randint(0, 40), r.randint(0, 99))])
            return Item(Plant(v, "ip_address", "hard_negative", "ip_address.version"),
                        keys=["version", "app_version", "agent_version"],
                        natural=["We are running version {v}.", "Upgraded the agent to {v}.",
                                 "The bug is present in build {v}."])
        if k == "invalid_ip":
            v = self.c(["%d.%d.%d.%d" % (r.randint(256, 999), r.randint(0, 255), r.randint(0, 255), r.randint(0, 255)),
                        "%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255), r.randint(0, 255), r.randint(256, 999)),
                        "%d.%d.%d.%d.%d" % tuple(r.randint(1, 250) for _ in range(5))])
            return Item(Plant(v, "ip_address", "hard_negative", "ip_address.invalid"),
                        keys=["ip", "client_ip"],
                        natural=["The log shows a bogus address {v}.", "Parser error near {v}."])
        if k == "timestamp":
            y, m, d = self.date_parts(2019, 2025)
            hh, mi, ss = r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)
            v = self.c(["%d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, hh, mi, ss),
                        "%d-%02d-%02d %02d:%02d:%02d" % (y, m, d, hh, mi, ss)])
            return Item(Plant(v, "date_of_birth", "hard_negative", "date_of_birth.timestamp"),
                        keys=["ts", "created_at", "timestamp"],
                        natural=["The job ran at {v}.", "Last seen {v}.", "Outage started {v}."])
        if k == "epoch":
            v = str(r.randint(1500000000, 1760000000))
            return Item(Plant(v, "phone", "hard_negative", "phone.epoch_seconds"),
                        keys=["created_at", "expires", "ts"],
                        natural=["The expiry field says {v}.", "created_at={v}", "Cache stamp {v}."])
        if k == "ssn_invalid":
            area = self.c(["000", "666", "9" + self.digits(2)])
            group, serial = "%02d" % r.randint(0, 99), "%04d" % r.randint(0, 9999)
            if self.chance(0.2):
                area, group = "%03d" % r.randint(1, 665), "00"
            v = "%s-%s-%s" % (area, group, serial)
            return Item(Plant(v, "us_ssn", "hard_negative", "us_ssn.invalid"), keys=["ssn"],
                        words=self.SSN_WORDS if self.chance(0.5) else (),
                        gated=False, natural=["Reference {v} on the form.", "Case number {v}."])
        if k == "national_bad_check":
            return self.national_bad_check()
        if k == "eth_bad_eip55":
            while True:
                raw = self.chars(HEX, 40)
                good = eip55(raw)
                letters = [i for i, c in enumerate(good) if i >= 2 and c.isalpha()]
                if len(letters) < 3:
                    continue
                i = r.choice(letters)
                bad = good[:i] + good[i].swapcase() + good[i + 1:]
                body = bad[2:]
                if body.lower() != body and body.upper() != body:
                    break
            return Item(Plant(bad, "crypto_wallet", "hard_negative", "crypto_wallet.eth_bad_eip55"),
                        keys=["wallet", "eth_address"],
                        natural=["Send to {v}.", "Wallet {v}."])
        if k == "btc_bad_checksum":
            while True:
                _, good = self.btc()
                if good.startswith("bc1"):
                    i = r.randint(4, len(good) - 1)
                    bad = good[:i] + self.c([c for c in BECH32 if c != good[i]]) + good[i + 1:]
                    if bech32_const(bad) not in (BECH32_CONST, BECH32M_CONST):
                        break
                else:
                    i = r.randint(1, len(good) - 1)
                    bad = good[:i] + self.c([c for c in B58 if c != good[i]]) + good[i + 1:]
                    if not b58check_ok(bad):
                        break
            return Item(Plant(bad, "crypto_wallet", "hard_negative", "crypto_wallet.btc_bad_checksum"),
                        keys=["btc_address", "wallet"],
                        natural=["BTC {v}", "Send the coins to {v}."])
        if k == "random_11":
            while True:
                v = self.digits(11, "23456789")
                if not (luhn_ok(v) or pesel_check(v[:10]) == v[10] or cpf_checks(v[:9]) == v[9:]
                        or steuer_id_check(v[:10]) == v[10]):
                    break
            return Item(Plant(v, "national_id", "hard_negative", "national_id.random_11_digits"),
                        keys=["customer_number", "ref"],
                        natural=["Reference number {v}.", "Your customer number is {v}.",
                                 "Kundennummer {v}", "Numero pratica {v}."])
        if k == "price":
            v = self.c(["$%d.%02d" % (r.randint(1, 9999), r.randint(0, 99)),
                        "$%d,%03d.%02d" % (r.randint(1, 99), r.randint(0, 999), r.randint(0, 99)),
                        "€%d,%02d" % (r.randint(1, 999), r.randint(0, 99)),
                        "%d.%03d,%02d EUR" % (r.randint(1, 99), r.randint(0, 999), r.randint(0, 99)),
                        "£%d.%02d" % (r.randint(1, 999), r.randint(0, 99))])
            return Item(Plant(v, "phone", "hard_negative", "phone.price"),
                        keys=["amount", "total"],
                        natural=["The total came to {v}.", "I was charged {v} instead of the quoted price.",
                                 "Il preventivo era di {v}."])
        if k == "retina_asset":
            v = self.c(["logo", "icon", "banner", "avatar", "hero", "sprite"]) + "@" + \
                self.c(["2x", "3x"]) + "." + self.c(["png", "jpg", "webp"])
            return Item(Plant(v, "email", "hard_negative", "email.retina_asset"),
                        keys=["icon", "asset"],
                        natural=["The {v} asset looks blurry on retina screens.",
                                 "Please re-export {v} from the design file."])
        if k == "date_no_context":
            y, m, d = self.date_parts(2015, 2026)
            lang = self.c(["en", "en", "de", "it", "fr", "es"])
            _, v = self.format_date(y, m, d, lang)
            nat = {"en": ["The meeting moved to {v}.", "Invoice dated {v}.", "Delivered on {v}."],
                   "de": ["Der Termin ist am {v}.", "Rechnung vom {v}."],
                   "it": ["La riunione è il {v}.", "Fattura del {v}."],
                   "fr": ["La réunion est prévue le {v}.", "Facture du {v}."],
                   "es": ["La reunión es el {v}.", "Factura del {v}."]}[lang]
            return Item(Plant(v, "date_of_birth", "hard_negative", "date_of_birth.date_no_context"),
                        keys=["invoice_date", "meeting_date", "due_date"],
                        natural=nat)
        raise ValueError(k)

    def national_bad_check(self):
        r = self.r
        typ = self.c(["it_codice_fiscale", "nl_bsn", "br_cpf", "in_aadhaar", "pl_pesel", "uk_nhs",
                      "es_dni", "de_steuer_id", "fr_nir", "it_partita_iva"])
        good = self.national_id(typ)
        v = good.plant.value
        while True:
            if typ == "it_codice_fiscale":
                bad = v[:15] + self.c([c for c in UPPER if c != v[15]])
            elif typ == "es_dni":
                bad = v[:-1] + self.c([c for c in "TRWAGMYFPDXBNJZSQVHLCKE" if c != v[-1]])
            else:
                # change the last digit (the check digit)
                idx = max(i for i, c in enumerate(v) if c.isdigit())
                bad = v[:idx] + str((int(v[idx]) + r.randint(1, 9)) % 10) + v[idx + 1:]
            if not national_valid(typ, bad):
                break
        return Item(Plant(bad, "national_id", "hard_negative", "national_id." + typ + "_bad_check"),
                    words=good.words, gated=True, keys=good.keys)

    # ---------------- placeholders ----------------
    def placeholder(self):
        k = self.r.choices(["email", "card", "aws", "phone", "aws_secret", "ip", "ssn", "pw"],
                           [25, 20, 15, 15, 5, 10, 5, 5])[0]
        if k == "email":
            v = self.c(["user@example.com", "user@example.com", "john.doe@example.com",
                        "jane@example.org", "test@example.net", "you@example.com"])
            return Item(Plant(v, "email", "placeholder", "email.example"),
                        natural=["For example, enter {v} in the login field.",
                                 "Replace {v} with your own address."], keys=["email"])
        if k == "card":
            v = self.c(["4111 1111 1111 1111", "4111111111111111", "4111-1111-1111-1111",
                        "5555 5555 5555 4444", "4242 4242 4242 4242"])
            return Item(Plant(v, "credit_card", "placeholder", "credit_card.test_number"),
                        natural=["In the sandbox, use the test card {v}.",
                                 "Try {v} with any future expiry date."], keys=["card_number"])
        if k == "aws":
            return Item(Plant("AKIAIOSFODNN7EXAMPLE", "secret", "placeholder", "secret.aws_example"),
                        natural=["The docs use {v} as the sample key.",
                                 "aws_access_key_id = {v}"], keys=["aws_access_key_id"])
        if k == "aws_secret":
            return Item(Plant("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret", "placeholder",
                              "secret.aws_example"),
                        natural=["aws_secret_access_key = {v}", "The sample secret is {v}."],
                        keys=["aws_secret_access_key"])
        if k == "phone":
            v = self.c(["(555) 010-0199", "(555) 010-0199", "555-0123", "(212) 555-0142",
                        "+1 415 555 0100", "555-0199"])
            return Item(Plant(v, "phone", "placeholder", "phone.fictional_555"),
                        natural=["In the demo, call {v}.", "Sample number: {v}"], keys=["phone"])
        if k == "ip":
            v = self.c(["192.0.2.%d" % self.r.randint(1, 254), "198.51.100.%d" % self.r.randint(1, 254),
                        "203.0.113.%d" % self.r.randint(1, 254), "2001:db8::%x" % self.r.randint(1, 0xffff)])
            return Item(Plant(v, "ip_address", "placeholder", "ip_address.documentation"),
                        natural=["The example config points at {v}.", "Set the server to {v} for testing."],
                        keys=["ip"])
        if k == "ssn":
            return Item(Plant(self.c(["123-45-6789", "000-00-0000", "XXX-XX-XXXX"]), "us_ssn",
                              "placeholder", "us_ssn.placeholder"),
                        natural=["Enter your SSN in the format {v}.", "SSN field (e.g. {v})"],
                        keys=["ssn"])
        return Item(Plant(self.c(["changeme", "<your-password>", "********", "YOUR_API_KEY_HERE",
                                  "${DB_PASSWORD}"]), "secret", "placeholder", "secret.password_placeholder"),
                    natural=["password = {v}", "Set api_key: {v} before running."],
                    keys=["password", "api_key"])

    # ---------------- pick by category ----------------
    def positive(self, cat=None):
        cat = cat or self.r.choices(POS_CATS, POS_WEIGHTS)[0]
        return {"email": self.email, "phone": self.phone, "credit_card": self.credit_card,
                "iban": self.iban, "ip_address": self.ip, "mac_address": self.mac,
                "us_ssn": self.ssn, "national_id": self.national_id, "crypto_wallet": self.crypto,
                "secret": self.secret, "date_of_birth": self.dob, "url": self.url}[cat]()

    def any_item(self, allow_multiline=False):
        x = self.r.random()
        if x < 0.03:
            it = self.placeholder()
        elif x < 0.25:
            it = self.hard_negative()
        else:
            it = self.positive()
        while it.multiline and not allow_multiline:
            it = self.positive()
        return it


NATIONAL_TYPES = ["it_codice_fiscale", "it_partita_iva", "es_dni", "es_nie", "fr_nir",
                  "de_steuer_id", "uk_nino", "uk_nhs", "nl_bsn", "pl_pesel", "pt_nif", "be_nrn",
                  "se_personnummer", "fi_hetu", "br_cpf", "br_cnpj", "in_aadhaar", "in_pan",
                  "ca_sin", "au_tfn", "au_medicare", "sg_nric", "kr_rrn", "cn_resident_id"]
SECRET_TYPES = ["aws_access_key_id", "aws_secret_access_key", "github_pat", "github_fine_grained_pat",
                "gitlab_pat", "slack_bot", "slack_user", "stripe_live", "google_api_key", "openai",
                "anthropic", "twilio", "sendgrid", "npm", "jwt", "url_credentials", "password",
                "pem_private_key"]
SECRET_WEIGHTS = [8, 4, 6, 3, 4, 3, 2, 4, 5, 3, 3, 3, 3, 3, 6, 6, 8, 4]
POS_CATS = ["email", "phone", "credit_card", "iban", "ip_address", "mac_address", "us_ssn",
            "national_id", "crypto_wallet", "secret", "date_of_birth", "url"]
POS_WEIGHTS = [16, 16, 8, 8, 8, 4, 5, 14, 5, 10, 6, 3]
HN_TYPES = ["luhn_fail", "iban_mod97_fail", "order_number", "tracking_number", "isbn13", "uuid",
            "git_sha1", "sha256", "version", "invalid_ip", "timestamp", "epoch", "ssn_invalid",
            "national_bad_check", "eth_bad_eip55", "btc_bad_checksum", "random_11", "price",
            "date_no_context", "retina_asset"]
HN_WEIGHTS = [8, 8, 5, 4, 3, 5, 4, 3, 5, 4, 3, 3, 6, 12, 4, 3, 5, 4, 5, 2]


def national_valid(typ, v):
    """Independent-ish re-check used to make sure hard negatives really fail."""
    d = re.sub(r"[^0-9A-Z]", "", v.upper())
    if typ == "it_codice_fiscale":
        return cf_check(d[:15]) == d[15]
    if typ == "it_partita_iva":
        return luhn_ok(d)
    if typ == "es_dni":
        return es_dni_letter(int(d[:8])) == d[8]
    if typ == "nl_bsn":
        return bsn_ok(d)
    if typ == "br_cpf":
        return cpf_checks(d[:9]) == d[9:]
    if typ == "in_aadhaar":
        return verhoeff_checksum(d) == 0
    if typ == "pl_pesel":
        return pesel_check(d[:10]) == d[10]
    if typ == "uk_nhs":
        return nhs_check(d[:9]) == d[9]
    if typ == "de_steuer_id":
        return steuer_id_check(d[:10]) == d[10]
    if typ == "fr_nir":
        return nir_key(d[:13]) == d[13:]
    raise ValueError(typ)


# ----------------------------------------------------------------------------
# Rendering an item in context
# ----------------------------------------------------------------------------

def cap(s):
    return s[:1].upper() + s[1:]


def tpl_frags(g, tpl, plant):
    pre, _, post = tpl.partition("{v}")
    return [g.fill(pre), plant, g.fill(post)]


def render_prose(g, it):
    """Frags for one sentence that contains the item."""
    p = it.plant
    use_word = it.words and (it.gated or not it.natural or g.chance(0.45))
    if not use_word:
        return tpl_frags(g, g.c(it.natural), p)
    lang, w = g.c(it.words)
    if w.startswith("~"):
        frame = "{W} {v}." if g.chance(0.5) else "{w} {v}"
        w = w[1:]
        head = cap(w) if "{W}" in frame else w
        lead = g.sentence(lang if lang in LANG_SENT else "en") + " " if g.chance(0.5) else ""
        return [lead + head + " ", p, "." if frame.endswith(".") else ""]
    frame = g.c(FRAMES.get(lang, FRAMES["en"]))
    if w.endswith(":") or w.endswith(" ="):
        frame = "{w} {v}"
    elif w.endswith("="):
        frame = "{w}{v}"
    pre, _, post = frame.partition("{v}")
    pre = pre.replace("{w}", w)
    if pre and pre[0].islower() and g.chance(0.5):
        pre = cap(pre)
    return [pre, p, post]


def render_kv(g, it, style):
    """key=value / key: value / "key": "value" style line fragments."""
    key = g.c(it.keys) if it.keys else it.plant.category
    if style == "env":
        return [key.upper() if not key.startswith("/") else key, "=", it.plant]
    if style == "yaml":
        return [key, ": ", it.plant] if g.chance(0.6) else [key, ': "', it.plant, '"']
    if style == "py":
        return [key.lower() if not key.startswith("/") else "token", ' = "', it.plant, '"']
    if style == "ini":
        return [key, " = ", it.plant]
    if style == "log":
        return [key.lower(), "=", it.plant]
    raise ValueError(style)


# ----------------------------------------------------------------------------
# Output writers
# ----------------------------------------------------------------------------

class Out:
    def __init__(self, name):
        self.name = name
        self.buf = bytearray()
        self.labels = []

    def frag(self, f):
        if isinstance(f, str):
            self.buf += f.encode("utf-8")
        else:
            b = f.value.encode("utf-8")
            self.labels.append((self.name, len(self.buf), len(b), f))
            self.buf += b

    def write(self, frags):
        for f in frags:
            self.frag(f)

    # JSON, serialised by hand so planted spans can be located in the raw bytes
    def json(self, obj):
        if isinstance(obj, dict):
            self.buf += b"{"
            for i, (k, v) in enumerate(obj.items()):
                if i:
                    self.buf += b", "
                self.buf += json.dumps(k, ensure_ascii=False).encode() + b": "
                self.json(v)
            self.buf += b"}"
        elif isinstance(obj, list):
            self.buf += b"["
            for i, v in enumerate(obj):
                if i:
                    self.buf += b", "
                self.json(v)
            self.buf += b"]"
        elif isinstance(obj, (S, Plant, str)):
            frags = obj.frags if isinstance(obj, S) else [obj]
            self.buf += b'"'
            for f in frags:
                if isinstance(f, str):
                    self.buf += json.dumps(f, ensure_ascii=False)[1:-1].encode("utf-8")
                else:
                    assert json.dumps(f.value, ensure_ascii=False)[1:-1] == f.value, f.value
                    self.frag(f)
            self.buf += b'"'
        elif obj is True or obj is False or obj is None:
            self.buf += json.dumps(obj).encode()
        else:
            raise TypeError(type(obj))


# ----------------------------------------------------------------------------
# Documents
# ----------------------------------------------------------------------------

def density(g):
    """Per-document planting rate: clean, sparse, medium or dense."""
    k = g.r.choices(["clean", "sparse", "medium", "dense"], [20, 35, 30, 15])[0]
    return {"clean": 0.0, "sparse": g.r.uniform(0.04, 0.12), "medium": g.r.uniform(0.2, 0.4),
            "dense": g.r.uniform(0.6, 0.9)}[k]


def paragraph(g, dens, n=None, lang=None):
    """Frags for a paragraph of n sentences, with items planted at rate dens."""
    out = []
    n = n or g.r.randint(2, 6)
    for i in range(n):
        if i:
            out.append(" ")
        if g.chance(dens):
            it = g.any_item()
            out += render_prose(g, it)
        else:
            out.append(g.sentence(lang))
    return out


def signature(g, first, last, dens):
    role = g.c(["Manager", "Lead", "Specialist", "Coordinator", "Analyst"])
    out = ["\n--\n", first + " " + last + "\n", cap(g.c(TEAMS)) + " " + role + "\n"]
    if g.chance(max(dens, 0.3)):
        it = g.phone()
        out += [g.c(["Tel. ", "Phone: ", "Mobile: ", "T: ", "Tel: "]), it.plant, "\n"]
    if g.chance(dens):
        it = g.url()
        out += [it.plant, "\n"]
    return out


def doc_email(g, out):
    dens = density(g)
    f1, l1 = g.name()
    f2, l2 = g.name()
    frm = g.email(f1, l1)
    to = g.email(f2, l2)
    frags = ["From: " + f1 + " " + l1 + " <", frm.plant, ">\nTo: ", to.plant, "\n"]
    if g.chance(0.3):
        frags += ["Cc: ", g.email().plant, "\n"]
    if g.chance(0.5):
        ts = g.hard_negative_of("timestamp")
        frags += ["Date: ", ts.plant, "\n"]
    frags += ["Subject: " + cap(g.c(["re: ", "fwd: ", "", ""]) + g.c(EN_ADJ) + " " + g.c(EN_NOUNS)) + "\n\n"]
    frags += [g.c(["Hi", "Hello", "Dear", "Ciao", "Hallo", "Bonjour", "Hola"]) + " " + f2 + ",\n\n"]
    for _ in range(g.r.randint(1, 4)):
        frags += paragraph(g, dens)
        frags.append("\n\n")
    if g.chance(dens * 0.3):
        it = g.secret("pem_private_key")
        frags += ["Here is the key you asked for, please delete this mail afterwards:\n\n", it.plant, "\n\n"]
    frags += [g.c(["Best regards", "Thanks", "Cheers", "Cordiali saluti", "Viele Grüße", "Cordialement", "Saludos"]) + ",\n"]
    frags += signature(g, f1, l1, dens)
    frags.append("\n")
    out.write(frags)


def doc_ticket(g, out):
    dens = density(g)
    f, l = g.name()
    ref = g.hard_negative_of(g.c(["uuid", "order_number"]))
    frags = ["=== Ticket ", ref.plant, " ===\n",
             "Customer: " + f + " " + l + "\n",
             "Priority: " + g.c(["low", "normal", "high", "urgent"]) + "\n",
             "Status: " + g.c(["open", "pending", "solved", "waiting on customer"]) + "\n"]
    if g.chance(0.6):
        frags += ["Contact: ", g.email().plant, "\n"]
    if g.chance(0.4):
        frags += ["Opened: ", g.hard_negative_of("timestamp").plant, "\n"]
    frags.append("\n")
    frags += paragraph(g, dens, g.r.randint(3, 8))
    frags.append("\n\n")
    for _ in range(g.r.randint(0, 3)):
        lang = g.c(["en", "en", "en", "it", "de", "fr", "es"])
        frags += ["> Reply from " + g.c(["agent", "customer"]) + " " + g.c(FIRST) + ":\n"]
        frags += paragraph(g, dens, g.r.randint(1, 4), lang=lang)
        frags.append("\n\n")
    out.write(frags)


def doc_forum(g, out):
    dens = density(g)
    handle = g.c(HANDLES_A) + "_" + g.c(HANDLES_B)
    topic = g.c(["issue", "question", "help needed", "problem"])
    frags = ["Thread: " + cap(g.c(EN_ADJ)) + " " + g.c(EN_NOUNS) + " " + topic + "\n",
             "Posted by " + handle + "\n\n"]
    frags += paragraph(g, dens, g.r.randint(2, 7))
    frags.append("\n\n")
    if g.chance(0.35):
        frags += ["My config looks like this:\n\n```\n"]
        frags += config_block(g, max(dens, 0.3), g.c(["env", "yaml", "ini"]))
        frags += ["```\n\n"]
    for _ in range(g.r.randint(0, 4)):
        frags += ["Reply by " + g.c(HANDLES_A) + g.c(HANDLES_B) + ":\n"]
        frags += paragraph(g, dens, g.r.randint(1, 4))
        frags.append("\n\n")
    out.write(frags)


CONFIG_FILLER = {
    "env": ["LOG_LEVEL=info", "NODE_ENV=production", "APP_NAME=orders", "FEATURE_FLAGS=beta,search",
            "TZ=Europe/Rome", "CACHE_DRIVER=redis", "DEBUG=false"],
    "yaml": ["log_level: info", "environment: production", "retries: three", "debug: false",
             "region: eu-west", "service: billing"],
    "ini": ["log_level = info", "environment = staging", "debug = false", "use_ssl = true",
            "region = eu-central"],
    "py": ['DEBUG = False', 'ALLOWED_HOSTS = ["localhost"]', 'TIME_ZONE = "Europe/Berlin"',
           'LANGUAGE_CODE = "en-us"', 'USE_TZ = True'],
}


def config_item(g):
    x = g.r.random()
    if x < 0.55:
        it = g.secret()
        while it.multiline:
            it = g.secret()
        return it
    if x < 0.62:
        return g.placeholder()
    if x < 0.75:
        return g.positive(g.c(["email", "ip_address", "url", "phone"]))
    if x < 0.9:
        return g.hard_negative_of(g.c(["uuid", "git_sha1", "sha256", "version"]))
    return g.positive("iban")


def config_block(g, dens, style):
    lines = []
    for _ in range(g.r.randint(3, 10)):
        if g.chance(dens):
            it = config_item(g)
            if it.keys:
                lines.append(render_kv(g, it, style) + ["\n"])
                continue
            lines.append([("# " if style != "py" else "# "), it.plant, "\n"])
        else:
            lines.append([g.c(CONFIG_FILLER[style]) + "\n"])
    if style == "ini" and g.chance(0.5):
        lines.insert(0, ["[" + g.c(["default", "production", "database", "smtp"]) + "]\n"])
    return [f for line in lines for f in line]


def doc_snippet(g, out):
    dens = max(density(g), 0.15)
    kind = g.c(["env", "yaml", "ini", "py", "aws", "pem", "curl", "compose"])
    title = {"env": ".env", "yaml": "config.yaml", "ini": "settings.ini", "py": "settings.py",
             "aws": "~/.aws/credentials", "pem": "deploy key", "curl": "shell history",
             "compose": "docker-compose.yml"}[kind]
    frags = ["### " + title + " (" + g.c(["from the wiki", "pasted by " + g.c(FIRST), "found in repo",
                                           "old backup", "gist"]) + ")\n"]
    if kind in ("env", "yaml", "ini", "py"):
        frags += config_block(g, dens, kind)
    elif kind == "aws":
        for _ in range(g.r.randint(1, 2)):
            frags += ["[" + g.c(["default", "prod", "staging", g.c(LAST).lower()]) + "]\n"]
            if g.chance(0.1):
                frags += ["aws_access_key_id = ", g.placeholder_aws()[0], "\naws_secret_access_key = ",
                          g.placeholder_aws()[1], "\n"]
            else:
                frags += ["aws_access_key_id = ", g.secret("aws_access_key_id").plant,
                          "\naws_secret_access_key = ", g.secret("aws_secret_access_key").plant, "\n"]
            frags += ["region = " + g.c(["eu-west", "us-east", "eu-central"]) + "\n"]
    elif kind == "pem":
        frags += ["# " + g.sentence("en") + "\n", g.secret("pem_private_key").plant, "\n"]
    elif kind == "curl":
        for _ in range(g.r.randint(1, 4)):
            it = g.secret(g.c(["jwt", "github_pat", "stripe_live", "openai", "anthropic", "sendgrid", "slack_bot"]))
            url = g.url().plant
            frags += ["curl -s -H \"Authorization: Bearer ", it.plant, "\" ", url, "\n"]
        if g.chance(0.5):
            frags += ["git clone ", g.secret("url_credentials").plant, "\n"]
    else:
        frags += ["services:\n  app:\n    environment:\n"]
        for _ in range(g.r.randint(2, 6)):
            if g.chance(dens):
                it = config_item(g)
                if it.keys:
                    frags += ["      - "] + render_kv(g, it, "env") + ["\n"]
                    continue
            frags += ["      - " + g.c(CONFIG_FILLER["env"]) + "\n"]
    frags.append("\n")
    out.write(frags)


def doc_log(g, out):
    dens = max(density(g), 0.2)
    for _ in range(g.r.randint(5, 25)):
        ts = g.hard_negative_of("timestamp_log")
        comp = g.c(LOG_COMPONENTS)
        frags = [ts.plant, " " + g.c(LOG_LEVELS).ljust(5) + " [" + comp + "] " + g.c(LOG_MSGS)]
        if g.chance(dens):
            x = g.r.random()
            if x < 0.3:
                it = g.positive("ip_address")
            elif x < 0.5:
                it = g.positive("email")
            elif x < 0.58:
                it = g.positive("mac_address")
            elif x < 0.65:
                it = g.positive("phone")
            elif x < 0.72:
                it = g.positive("credit_card")
            elif x < 0.8:
                it = g.secret(g.c(["jwt", "password", "stripe_live", "aws_access_key_id", "url_credentials"]))
            elif x < 0.85:
                it = g.positive("national_id")
            else:
                it = g.hard_negative_of(g.c(["uuid", "version", "invalid_ip", "epoch", "git_sha1"]))
            if it.gated and it.words:
                lang, w = g.c(it.words)
                frags += [" " + w.lstrip("~") + " ", it.plant]
            else:
                frags += [" "] + render_kv(g, it, "log")
        if g.chance(0.3):
            frags += [" request_id=", g.hard_negative_of("uuid").plant]
        frags.append("\n")
        out.write(frags)


CSV_COLS = ["name", "email", "phone", "country", "id_type", "id_value", "iban", "card", "notes"]


def doc_csv(g, out):
    dens = max(density(g), 0.3)
    sep = g.c([",", ";", "|", "\t"])
    out.write(["# export " + g.c(["customers", "leads", "members", "patients", "payees"]) +
               " (" + g.c(TEAMS) + ")\n", sep.join(CSV_COLS) + "\n"])
    for _ in range(g.r.randint(4, 30)):
        f, l = g.name()
        row = [[f + " " + l]]
        row.append([g.email(f, l).plant] if g.chance(0.8) else [g.placeholder_of("email")] if g.chance(0.1) else [])
        row.append([g.phone().plant] if g.chance(dens) else [])
        row.append([g.c(["IT", "DE", "FR", "ES", "NL", "GB", "US", "BR", "IN", "PL", "SE"])])
        if g.chance(dens):
            x = g.r.random()
            if x < 0.65:
                it = g.national_id()
            elif x < 0.8:
                it = g.ssn()
            else:
                it = g.national_bad_check() if g.chance(0.6) else g.hard_negative_of("ssn_invalid")
            w = it.words[0][1] if it.words else "ref"
            row.append([w])
            row.append([it.plant])
        else:
            row += [[], []]
        row.append([g.iban().plant] if g.chance(dens * 0.6) else
                   [g.hard_negative_of("iban_mod97_fail").plant] if g.chance(0.05) else [])
        row.append([g.credit_card().plant] if g.chance(dens * 0.3) else
                   [g.hard_negative_of("luhn_fail").plant] if g.chance(0.05) else [])
        if g.chance(0.3):
            row.append(['"' + g.sentence("en").replace('"', "") + '"'])
        elif g.chance(0.15):
            it = g.dob()
            lang, w = g.c(it.words)
            row.append(['"' + w.lstrip("~") + " ", it.plant, '"'])
        else:
            row.append([])
        frags = []
        for i, cell in enumerate(row):
            if i:
                frags.append(sep)
            frags += cell
        frags.append("\n")
        out.write(frags)
    out.write(["\n"])


def chat_text(g, dens, lang=None):
    return S(paragraph(g, dens, g.r.randint(1, 5), lang=lang))


def doc_chat(g, out):
    dens = density(g)
    lang = g.c(["en", "en", "en", "en", "it", "de", "fr", "es"])
    turns = []
    for i in range(g.r.randint(2, 6)):
        role = "user" if i % 2 == 0 else "assistant"
        turns.append({"role": role, "content": chat_text(g, dens if role == "user" else dens * 0.3,
                                                         lang if g.chance(0.6) else None)})
    rec = {"id": g.hard_negative_of("uuid").plant, "lang": lang, "messages": turns}
    if g.chance(0.3):
        rec["source_url"] = g.url().plant
    out.json(rec)
    out.write(["\n"])


def doc_crm(g, out):
    dens = density(g)
    f, l = g.name()
    cust = {"name": f + " " + l}
    if g.chance(0.85):
        cust["email"] = g.email(f, l).plant if g.chance(0.95) else g.placeholder_of("email")
    if g.chance(0.6):
        cust["phone"] = g.phone().plant
    if g.chance(0.3):
        it = g.dob()
        lang, w = g.c(it.words)
        cust["notes"] = S([w.lstrip("~") + ": ", it.plant])
    rec = {"customer": cust, "segment": g.c(["retail", "business", "vip", "trial"])}
    if g.chance(0.4):
        it = g.national_id()
        rec["identity"] = {"document": it.words[0][1], "value": S([g.c(it.words)[1].lstrip("~") + " ", it.plant])}
    if g.chance(0.35):
        rec["payment"] = {"iban": g.iban().plant} if g.chance(0.6) else {"card": g.credit_card().plant}
    if g.chance(0.15):
        rec["payment_ref"] = g.hard_negative_of(g.c(["luhn_fail", "iban_mod97_fail", "order_number"])).plant
    rec["body"] = S(paragraph(g, dens, g.r.randint(1, 5)))
    rec["tags"] = [g.c(TAGS), g.c(TEAMS)]
    rec["opened"] = g.hard_negative_of("timestamp").plant
    out.json(rec)
    out.write(["\n"])


def hard_negative_of(self, k):
    """A hard negative of one kind; "timestamp_log" is a log-line timestamp."""
    if k == "timestamp_log":
        r = self.r
        y, m, d = self.date_parts(2022, 2025)
        v = "%d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (y, m, d, r.randint(0, 23), r.randint(0, 59),
                                                  r.randint(0, 59), r.randint(0, 999))
        return Item(Plant(v, "date_of_birth", "hard_negative", "date_of_birth.timestamp"))
    return self.hard_negative(k)


def placeholder_of(self, k):
    if k == "email":
        return Plant(self.c(["user@example.com", "jane@example.org", "noreply@example.com"]),
                     "email", "placeholder", "email.example")
    raise ValueError(k)


def placeholder_aws(self):
    return (Plant("AKIAIOSFODNN7EXAMPLE", "secret", "placeholder", "secret.aws_example"),
            Plant("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret", "placeholder", "secret.aws_example"))


G.hard_negative_of = hard_negative_of
G.placeholder_of = placeholder_of
G.placeholder_aws = placeholder_aws

# (file, document function, share of --docs)
FILES = [
    ("emails.txt", doc_email, 0.20),
    ("tickets.txt", doc_ticket, 0.17),
    ("forum.txt", doc_forum, 0.13),
    ("snippets.txt", doc_snippet, 0.08),
    ("app.log.txt", doc_log, 0.08),
    ("exports.txt", doc_csv, 0.04),
    ("chat.jsonl", doc_chat, 0.18),
    ("crm.jsonl", doc_crm, 0.12),
]


def generate(outdir, seed, docs):
    g = G(seed)
    corpus = os.path.join(outdir, "corpus")
    os.makedirs(corpus, exist_ok=True)
    labels = []
    for name, fn, share in FILES:
        out = Out(name)
        n = max(1, int(round(docs * share)))
        for _ in range(n):
            fn(g, out)
        with open(os.path.join(corpus, name), "wb") as fh:
            fh.write(bytes(out.buf))
        labels += out.labels
    with open(os.path.join(outdir, "labels.jsonl"), "w", encoding="utf-8", newline="\n") as fh:
        for src, off, ln, p in labels:
            fh.write(json.dumps({"source": src, "offset": off, "length": ln, "category": p.category,
                                 "kind": p.kind, "type": p.type, "value": p.value},
                                ensure_ascii=False) + "\n")
    return labels


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate piiaudit's labelled evaluation corpus.")
    ap.add_argument("--out", required=True, help="output directory (corpus/ and labels.jsonl)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--docs", type=int, default=3500, help="number of documents (default 3500, ~3 MB)")
    ap.add_argument("--summary", action="store_true", help="print label counts to stderr")
    a = ap.parse_args(argv)
    if a.docs < 1:
        ap.error("--docs must be >= 1")
    labels = generate(a.out, a.seed, a.docs)
    if a.summary:
        counts = {}
        for _, _, _, p in labels:
            counts[(p.category, p.kind)] = counts.get((p.category, p.kind), 0) + 1
        for (cat, kind), n in sorted(counts.items()):
            print("%-14s %-14s %6d" % (cat, kind, n), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
