"""The examples at the end of every command's ``--help``, in one place.

Command path → one to three command lines that work on the demo database
(``crmctl init --demo --history``), as the admin who created it unless ``--as`` says
otherwise; tests/cli/test_examples.py runs each against a fresh copy of that database
and expects exit 0, or the exit code given with the example (``Example(line, code)``).
The test runs them where ``make demo`` leaves a user: a directory with the repository's
``examples/`` and ``workflows.yaml`` and ``crmctl.yaml`` = ``examples/crmctl.demo.yaml``
(business hours, commission plans). ``examples/adresar.xlsx`` holds rows that must be
rejected: its import exits 4 by design.
"""

from typing import NamedTuple


class Example(NamedTuple):
    line: str
    exit_code: int = 0


E = Example

WF = "--workflows workflows.yaml"

EXAMPLES: dict[str, tuple[Example, ...]] = {
    "init": (E("init --demo --history"), E("init --admin jana.novotna")),
    "db upgrade": (E("db upgrade"),),
    "db current": (E("db current"), E("db current -o json")),
    "db backup": (E("db backup zaloha.db"), E("db backup zaloha-bez-dokumentu.db --no-documents")),
    "config show": (E("config show"), E("config show -o json")),
    "users add": (
        E(
            "users add jan.dvorak --name 'Jan Dvořák' --role sales --manager jana.novotna"
            " --team 'Obchod Praha'"
        ),
    ),
    "users list": (E("users list"), E("users list -o csv"), E("users list --ids")),
    "users show": (E("users show petr.kral"), E("users show petr.kral -o yaml")),
    "users edit": (
        E("users edit eva.mala --team 'Obchod Praha'"),
        E("users edit tomas.hruby --inactive"),
    ),
    "teams add": (E("teams add 'Obchod Slezsko' --description Ostrava"),),
    "teams list": (E("teams list"), E("teams list -o json")),
    "companies add": (
        E("companies add --name 'Kovárna Beneš s.r.o.' --city Brno --psc '602 00' --tag vip"),
    ),
    "companies list": (
        E("companies list --search novak"),
        E('companies list --where \'city ~ "praha" or tags = "vip"\' --sort name'),
        E("companies list --ids"),
    ),
    "companies show": (E("companies show 1"), E("companies show 1 -o json")),
    "companies edit": (E("companies edit 1 --tag vip --owner petr.kral"),),
    "companies rm": (E("companies rm 5"),),
    "companies merge": (E("companies merge 1 5"),),
    "contacts add": (
        E(
            "contacts add --name 'Ing. Jan Malý' --email jan.maly@example.cz --company 1"
            " --function Nákupčí"
        ),
    ),
    "contacts list": (
        E("contacts list --search novak"),
        E("contacts list --where 'company ~ \"dvořák\"' -o csv"),
        E("contacts list --ids"),
    ),
    "contacts show": (E("contacts show 1"), E("contacts show 1 -o json")),
    "contacts edit": (E("contacts edit 1 --add-phone '+420 601 123 456' --tag vip"),),
    "contacts rm": (E("contacts rm 2"),),
    "contacts merge": (E("contacts merge 1 2"),),
    "contacts link": (
        E("contacts link 2 --company 3 --role Jednatel"),
        E("contacts link 2 --reports-to 1"),
    ),
    "contacts apply": (
        E("contacts list --where 'id = 1' -o jsonl > kontakty.jsonl"),
        E("contacts apply -f kontakty.jsonl --dry-run"),
    ),
    "timeline company": (
        E("timeline company 1"),
        E("timeline company 1 --type call --since -90d"),
        E("timeline company 1 -o json --limit 5"),
    ),
    "timeline contact": (E("timeline contact 1"), E("timeline contact 1 --author petr.kral")),
    "timeline deal": (E("timeline deal 3"), E("timeline deal 3 --search nabídka -o csv")),
    "timeline lead": (E("timeline lead 1"),),
    "timeline product": (E("timeline product 1"),),
    "timeline campaign": (E("timeline campaign 1"),),
    "timeline service": (E("timeline service 1"),),
    "timeline plan": (E("timeline plan 1"),),
    "import run": (
        E("import run examples/adresar.xlsx --dry-run", 4),
        E("import examples/adresar.xlsx --rejects odmitnute.csv", 4),
    ),
    "import list": (E("import examples/adresar.xlsx", 4), E("import list")),
    "import show": (E("import examples/adresar.xlsx", 4), E("import show 1")),
    "import undo": (
        E("import examples/adresar.xlsx", 4),
        E("import undo 1 --dry-run"),
        E("import undo 1"),
    ),
    "pipelines list": (E("pipelines list"), E("pipelines list -o json")),
    "pipelines show": (E("pipelines show default"),),
    "leads add": (
        E(
            "leads add --source web --name 'Jana Malá' --email jana.mala@example.cz"
            " --subject 'Poptávka CRM Pro' --product CRM-PRO"
        ),
    ),
    "leads list": (
        E("leads list --where 'status = \"new\"'"),
        E("leads list --where 'owner = \"petr.kral\"' --ids"),
    ),
    "leads show": (E("leads show 1"),),
    "leads assign": (E("leads assign 1 eva.mala"),),
    "leads status": (E("leads status 1 contacted"),),
    "leads convert": (E("leads convert 1 --value '120 000' --stage analyza"),),
    "leads reject": (E("leads reject 3 --reason 'Duplicitní poptávka'"),),
    "deals add": (
        E("deals add --title 'Licence CRM Pro' --company 1 --value '250 000 Kč' --owner petr.kral"),
    ),
    "deals list": (
        E("deals list --where 'stage = \"nabidka\" and idle_days > 14'"),
        E("deals list --where 'value > 100000' --ids"),
        E("deals list --sort -value --limit 10 -o csv"),
    ),
    "deals show": (E("deals show 3"), E("deals show 3 -o json")),
    "deals move": (E("deals move 3 nabidka --reason 'Nabídka odeslána'"),),
    "deals win": (E("deals win 3 --reason 'Nejlepší cena'"),),
    "deals lose": (E("deals lose 3 --reason 'Vybrali konkurenci'"),),
    "deals update": (
        E(
            "deals update --where 'stage = \"poptavka\" and idle_days > 365' --set owner=eva.mala"
            " --dry-run"
        ),
    ),
    "deals apply": (
        E("deals list --where 'id = 3' -o json > obchody.json"),
        E("deals apply -f obchody.json --dry-run"),
    ),
    "products add": (
        E("products add SKOLENI --name 'Školení uživatelů' --price 12000 --billing once"),
    ),
    "products list": (
        E("products list"),
        E("products list --where 'billing = \"monthly\"' -o json"),
    ),
    "products show": (E("products show 1"),),
    "products apply": (
        E("products list -o json > produkty.json"),
        E("products apply -f produkty.json --dry-run"),
    ),
    "products edit": (E("products edit 1 --price 1090"),),
    "campaigns add": (
        E("campaigns add 'Podzim 2027' --product CRM-PRO --starts 2027-09-01 --budget 50000"),
    ),
    "campaigns list": (E("campaigns list"), E("campaigns list --where 'launched_at is null'")),
    "campaigns show": (E("campaigns show 1"),),
    "campaigns edit": (E("campaigns edit 2 --budget 80000"),),
    "campaigns apply": (
        E("campaigns list --where 'id = 2' -o jsonl > kampane.jsonl"),
        E("campaigns apply -f kampane.jsonl --dry-run"),
    ),
    "campaigns rm": (E("campaigns rm 2"),),
    "campaigns launch": (
        E("campaigns launch 2 --where 'city ~ \"praha\"' --assign owner --dry-run"),
        E(
            "campaigns launch 2 --where 'tags = \"vip\"' --assign round_robin:petr.kral,eva.mala"
            " --task Zavolat --due +7d"
        ),
    ),
    "services add": (
        E(
            "services add --company 1 --name Hosting --kind ours --ends 2027-12-31 --value 12000"
            " --billing yearly"
        ),
    ),
    "services list": (E("services list"), E("services list --where 'kind = \"competitor\"'")),
    "services show": (E("services show 1"),),
    "services edit": (E("services edit 1 --notice-days 60"),),
    "services apply": (
        E("services list --where 'kind = \"ours\"' -o json > sluzby.json"),
        E("services apply -f sluzby.json --dry-run"),
    ),
    "services rm": (E("services rm 5"),),
    "services expiring": (
        E("services expiring --within 90d"),
        E("services expiring --within 365d -o csv"),
    ),
    "plans add": (E("plans add 2 --period 2027 --goal 'Prodat CRM Pro' --owner eva.mala"),),
    "plans list": (E("plans list"),),
    "plans show": (E("plans show 1"),),
    "plans edit": (E("plans edit 1 --target-value 750000"),),
    "plans apply": (
        E("plans list -o yaml > plany.yaml"),
        E("plans apply -f plany.yaml --dry-run"),
    ),
    "plans stakeholder add": (
        E("plans stakeholder add 1 2 --role decision-maker --attitude supporter"),
    ),
    "plans action add": (E("plans action add 1 'Prezentace CAD' --due +14d --assignee petr.kral"),),
    "views save": (
        E("views save moje-nabidky --entity deal --where 'stage = \"nabidka\"' --sort -value"),
        E("deals list --view moje-nabidky"),
    ),
    "views list": (E("views save vip --entity company --where 'tags = \"vip\"'"), E("views list")),
    "views show": (
        E("views save vip --entity company --where 'tags = \"vip\"'"),
        E("views show vip"),
    ),
    "views rm": (E("views save vip --entity company --where 'tags = \"vip\"'"), E("views rm vip")),
    "report forecast": (
        E("report forecast"),
        E("report forecast --by month,owner -o csv"),
        E("report forecast -o xlsx --output forecast.xlsx"),
    ),
    "report first-contacts": (E("report first-contacts"), E("report first-contacts -o json")),
    "report pipeline": (E("report pipeline --by owner"), E("report pipeline --as-of 2026-01-31")),
    "report funnel": (E("report funnel"), E("report funnel --from 2025 -o csv")),
    "report cashflow": (E("report cashflow"), E("report cashflow --by week -o json")),
    "report dashboard": (E("report dashboard -o html --output dashboard.html"),),
    "report lead-response": (
        E("report lead-response --by owner"),
        E("report lead-response --breaches -o csv"),
    ),
    "report performance": (E("report performance"), E("report performance --by team -o json")),
    "report commissions": (E("report commissions"), E("report commissions --details -o csv")),
    "report campaign": (E("report campaign"), E("report campaign 1 -o json")),
    "targets set": (
        E("targets set petr.kral --period 2027-Q1 --metric won_value --value 2500000"),
        E("targets set 'team:Obchod Praha' --period 2027 --metric calls --value 400"),
    ),
    "targets list": (E("targets list"), E("targets list --for petr.kral -o csv")),
    "targets rm": (E("targets rm 1"),),
    "tasks add": (
        E("tasks add 'Zavolat kvůli nabídce' --due +2d --deal 3 --assignee petr.kral"),
        E("tasks add 'Schůzka s jednatelem' --kind meeting --start 2026-03-12T10:00 --company 1"),
    ),
    "tasks list": (
        E("tasks list --open"),
        E("tasks list --owner petr.kral --where 'priority = \"high\"'"),
        E("tasks list --open --ids"),
    ),
    "tasks show": (E("tasks show 1"),),
    "tasks edit": (E("tasks edit 1 --due +1d --priority high"),),
    "tasks done": (E("tasks done 1 --note 'Dovoláno, chtějí úpravu'"),),
    "tasks overdue": (
        E("tasks overdue"),
        E("tasks overdue --team 'Obchod Praha' -o csv"),
    ),
    "tasks agenda": (E("tasks agenda"), E("tasks agenda --days 14 --owner petr.kral")),
    "tasks export-ics": (E("tasks export-ics --output ukoly.ics"),),
    "log call": (
        E(
            "log call --deal 3 --subject 'Upřesnění nabídky' --outcome 'Chtějí úpravu'"
            " --duration 15"
        ),
        E("log call --contact 1 --subject 'První hovor' --at 2026-03-09T14:30 --first-call"),
    ),
    "log meeting": (E("log meeting --company 1 --subject 'Prezentace' --duration 60"),),
    "log note": (E("log note --deal 3 --body 'Rozhoduje jednatel, ne nákup.'"),),
    "log email": (
        E("log email --contact 1 --subject 'Re: nabídka' --body 'Děkujeme za nabídku.'"),
    ),
    "docs attach": (E("docs attach company 1 examples/adresar.xlsx"),),
    "docs list": (E("docs attach deal 3 examples/adresar.xlsx"), E("docs list --deal 3")),
    "docs get": (
        E("docs attach company 1 examples/adresar.xlsx"),
        E("docs get 1 --output kopie.xlsx"),
    ),
    "mail import": (E("mail import examples/mail/demo.mbox"),),
    "mail list": (
        E("mail import examples/mail/demo.mbox"),
        E("mail list --unpaired"),
        E("mail list --company 1"),
    ),
    "mail show": (E("mail import examples/mail/demo.mbox"), E("mail show 1")),
    "mail thread": (E("mail import examples/mail/demo.mbox"), E("mail thread 1")),
    "mail why": (E("mail import examples/mail/demo.mbox"), E("mail why 1")),
    "mail pair": (E("mail import examples/mail/demo.mbox"), E("mail pair 1 --deal 3")),
    "mail unpair": (
        E("mail import examples/mail/demo.mbox"),
        E("mail pair 1 --deal 3"),
        E("mail unpair 1 --deal 3"),
    ),
    "mail send": (E("mail send --to 1 --template nabidka --deal 3 --dry-run"),),
    "workflows validate": (E("workflows validate workflows.yaml"),),
    "workflows list": (E(f"workflows list {WF}"),),
    "workflows run": (E(f"workflows run --once --dry-run {WF}"), E(f"workflows run --once {WF}")),
    "workflows simulate": (E(f"workflows simulate --since 7d {WF}"),),
    "workflows why": (E(f"workflows why deal 3 {WF}"),),
    "workflows failures": (E("workflows failures"), E("workflows failures --dead")),
    "workflows resend": (E("workflows resend 1", 3),),
    "daemon status": (E("daemon status", 6),),
    "notifications list": (E("notifications list"), E("notifications list --all --user petr.kral")),
    "notifications read": (E("notifications read --all"),),
    "approvals list": (E("approvals list"), E("approvals list --all")),
    "approvals approve": (E("approvals approve 1 --note 'Schváleno'", 3),),
    "approvals reject": (E("approvals reject 1 --note 'Příliš vysoká sleva'", 3),),
    "policy show": (E("policy show"),),
    "policy explain": (E("policy explain eva.mala deal 3"),),
    "policy install": (E("policy install", 2),),
    "audit list": (
        E("audit list --entity deal:3"),
        E("audit list --user petr.kral --since -30d -o csv"),
    ),
    "gdpr consent": (E("gdpr consent 1 --purpose marketing --grant --basis consent --source web"),),
    "gdpr consents": (E("gdpr consents 1"),),
    "gdpr export": (E("gdpr export 1"),),
    "gdpr erase": (E("gdpr erase 2 --dry-run"), E("gdpr erase 2")),
    "gdpr retention": (E("gdpr retention --inactive 3y"),),
    "completion": (E("completion bash"), E("completion zsh"), E("completion fish")),
}


def epilog(path: str) -> str | None:
    """The ``Examples:`` block of a command's help (``\\b``: click keeps the lines as they are)."""
    found = EXAMPLES.get(path)
    if not found:
        return None
    lines = [f"  $ crmctl {example.line}" for example in found]
    return "\b\nExamples:\n" + "\n".join(lines)
