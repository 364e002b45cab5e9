"""Writes demo.mbox: Czech mail for `make demo` (issue 18 item 7). Run it to regenerate.

A reply thread on deal #1 (the demo's CNC offer to Strojírny Dvořák), an inquiry to
info@firma.cz from someone the CRM does not know (it becomes a lead), mail from a known
contact (Jan Novák of Pekárna U Nováků) and a newsletter that stays unpaired.
"""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent


def message(
    message_id: str, sender: str, to: str, subject: str, date: str, body: str, *parents: str
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"], mail["Message-ID"] = date, f"<{message_id}>"
    if parents:
        mail["In-Reply-To"] = f"<{parents[-1]}>"
        mail["References"] = " ".join(f"<{p}>" for p in parents)
    mail.set_content(body)
    return mail


MESSAGES = [
    message(
        "nabidka-1@firma.cz", "Petr Král <petr.kral@firma.cz>",
        "Ing. Karel Dvořák <karel.dvorak@strojirny-dvorak.cz>",
        "Nabídka CNC obráběcího centra [OP-1]", "Mon, 02 Mar 2026 09:15:00 +0100",
        "Dobrý den, pane inženýre,\n\nv příloze posílám nabídku na CNC obráběcí centrum "
        "včetně instalace a zaškolení obsluhy. Cena platí do konce března.\n\n"
        "S pozdravem\nPetr Král\nFirma s.r.o.",
    ),
    message(
        "odpoved-1@strojirny-dvorak.cz", "Ing. Karel Dvořák <karel.dvorak@strojirny-dvorak.cz>",
        "Petr Král <petr.kral@firma.cz>", "Re: Nabídka CNC obráběcího centra",
        "Tue, 03 Mar 2026 14:02:00 +0100",
        "Dobrý den,\n\nděkujeme za nabídku. Bylo by možné prodloužit záruku na 36 měsíců? "
        "A jaký je termín dodání?\n\nS pozdravem\nKarel Dvořák",
        "nabidka-1@firma.cz",
    ),
    message(
        "odpoved-2@firma.cz", "Petr Král <petr.kral@firma.cz>",
        "Ing. Karel Dvořák <karel.dvorak@strojirny-dvorak.cz>",
        "Re: Re: Nabídka CNC obráběcího centra", "Wed, 04 Mar 2026 08:40:00 +0100",
        "Dobrý den,\n\nzáruku 36 měsíců nabídnout můžeme, dodání do 8 týdnů od objednávky.\n\n"
        "S pozdravem\nPetr Král",
        "nabidka-1@firma.cz", "odpoved-1@strojirny-dvorak.cz",
    ),
    message(
        "poptavka-1@seznam.cz", "Tereza Malá <tereza.mala@seznam.cz>", "info@firma.cz",
        "Poptávka – regály do skladu", "Thu, 05 Mar 2026 19:30:00 +0100",
        "Dobrý den,\n\npoptávám paletové regály do skladu o ploše 400 m². Prosím o nabídku "
        "a termín prohlídky.\n\nS pozdravem\nTereza Malá\ntel. 603 123 456",
    ),
    message(
        "objednavka-7@pekarna-novak.cz", "Jan Novák <jan.novak@pekarna-novak.cz>",
        "obchod@firma.cz", "Objednávka náhradních dílů", "Fri, 06 Mar 2026 07:55:00 +0100",
        "Dobrý den,\n\nobjednáváme 2 ks těsnění k hnětači HN-200 dle ceníku.\n\n"
        "Děkuji\nJan Novák\nPekárna U Nováků a.s.",
    ),
    message(
        "akce-2026-10@akce-eshop.cz", "Akce e-shop <novinky@akce-eshop.cz>", "obchod@firma.cz",
        "Jarní slevy až 40 %", "Sat, 07 Mar 2026 06:00:00 +0100",
        "Nenechte si ujít jarní výprodej nářadí. Odhlásit odběr: https://akce-eshop.cz/odhlasit",
    ),
]  # fmt: skip


def main() -> None:
    path = HERE / "demo.mbox"
    path.unlink(missing_ok=True)
    box = mailbox.mbox(str(path))
    try:
        for mail in MESSAGES:
            box.add(mail)
    finally:
        box.close()


if __name__ == "__main__":
    main()
