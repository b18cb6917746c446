"""The console's routes: `/console/{business_id}/…` for a member's books, `/console/sandbox…` for administrators."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from ledgerd.web.console import books, reports, sandbox
from ledgerd.web.console.frame import View, console_route


def _home(view: View) -> Response:
    """The console of the user's lead business (the first they can read), or a page saying there is none."""
    if view.businesses:
        return RedirectResponse(f"/console/{view.businesses[0].id}", status_code=303)
    return view.render("console_none.html", title="Console")


def _business(path: str) -> str:
    return "/{business_id:str}" + path


routes: list[BaseRoute] = [
    console_route("", _home, in_business=False),
    console_route("/switch", books.switch, in_business=False),
    # The sandbox's pages come before the business's, whose first segment is any id.
    console_route("/sandbox", sandbox.home, admin=True, in_business=False),
    console_route("/sandbox/snapshot", sandbox.snapshot, admin=True, in_business=False, methods=("POST",)),
    console_route("/sandbox/restore", sandbox.restore, admin=True, in_business=False, methods=("POST",)),
    console_route("/sandbox/reset", sandbox.reset, admin=True, in_business=False, methods=("POST",)),
    console_route("/sandbox/clock", sandbox.clock_change, admin=True, in_business=False, methods=("POST",)),
    console_route("/sandbox/faults", sandbox.fault_add, admin=True, in_business=False, methods=("POST",)),
    console_route("/sandbox/faults/clear", sandbox.fault_clear, admin=True, in_business=False, methods=("POST",)),
    console_route("/sandbox/journal", sandbox.journal_list, admin=True, in_business=False),
    console_route("/sandbox/journal/{entry_id:str}", sandbox.journal_entry, admin=True, in_business=False),
    console_route(_business(""), reports.overview),
    console_route(_business("/contacts"), books.contact_list, area="contacts"),
    console_route(_business("/contacts/{contact_id:str}"), books.contact_detail, area="contacts"),
    console_route(_business("/ledger"), books.account_list, area="journals"),
    console_route(_business("/ledger/{account_id:str}"), books.account_detail, area="journals"),
    console_route(_business("/journals"), books.journal_list, area="journals"),
    console_route(_business("/transactions/{transaction_id:str}"), books.transaction_detail, area="journals"),
    console_route(_business("/reports"), reports.report_index, area="reporting"),
    console_route(_business("/reports/trial-balance"), reports.trial_balance, area="reporting"),
    console_route(_business("/reports/profit-and-loss"), reports.profit_and_loss, area="reporting"),
    console_route(_business("/reports/balance-sheet"), reports.balance_sheet, area="reporting"),
    console_route(_business("/reports/aged/{which:str}"), reports.aged, area="reporting"),
    console_route(_business("/vat"), reports.vat_returns, area="statutory_reporting"),
    console_route(_business("/vat/{kind:str}/{return_id:str}"), reports.vat_return, area="statutory_reporting"),
    console_route(_business("/vat/{kind:str}/{return_id:str}/{box:str}"), reports.vat_box,
                  area="statutory_reporting"),
    # Sales and purchases last: `{side}` is checked by the handler (sales or purchases, with the member's role).
    console_route(_business("/{side:str}"), books.document_list),
    console_route(_business("/{side:str}/{document_id:str}"), books.document_detail),
]

