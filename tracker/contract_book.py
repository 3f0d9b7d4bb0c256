"""The freelancer's own contracts: add, edit and archive them with one set of rules, the same in
the command line and the window."""

from __future__ import annotations

from dataclasses import dataclass

from diary.records import is_device_contract
from diary.schema import CONTRACT

from .contract_fields import parse_rate, parse_weekly_limit, validate_name
from .errors import InvalidInput
from .records import Contract
from .store import Store


@dataclass(frozen=True)
class ContractForm:
    """A contract as typed: text fields, checked and converted by ``fields()``."""

    title: str
    client: str
    rate: str
    weekly_limit: str = "0"
    manual_allowed: bool = False

    @classmethod
    def of(cls, contract: Contract) -> ContractForm:
        """The form filled in with a contract as it is, for editing it."""
        return cls(
            title=contract.title,
            client=contract.client,
            rate=f"{contract.rate:.2f}",
            weekly_limit=f"{contract.weekly_limit_minutes / 60:g}",
            manual_allowed=contract.manual_allowed,
        )

    def fields(self) -> tuple[str, str, int, int, bool]:
        """Title, client, rate in cents, weekly limit in minutes, manual time allowed."""
        return (
            validate_name(self.title, "title"),
            validate_name(self.client, "client"),
            parse_rate(self.rate),
            parse_weekly_limit(self.weekly_limit),
            self.manual_allowed,
        )


def add_contract(store: Store, form: ContractForm) -> Contract:
    fields = form.fields()
    _refuse_duplicate(store, fields, None)
    return store.add_contract(*fields)


def edit_contract(store: Store, contract_id: int, form: ContractForm) -> Contract:
    """Change a contract: the new title, client and rate show everywhere, its recorded time
    included; a new weekly limit applies from the next start of tracking on."""
    fields = form.fields()
    _refuse_duplicate(store, fields, contract_id)
    return store.update_contract(contract_id, *fields)


def archive_contract(store: Store, contract_id: int, archived: bool = True) -> Contract:
    """Take a contract out of the pickers (or put it back); its recorded time stays and counts."""
    contract = store.contract(contract_id)
    if not archived and contract.archived_at is not None:
        _refuse_duplicate(store, ContractForm.of(contract).fields(), contract_id)
    return store.set_archived(contract_id, archived)


def _refuse_duplicate(
    store: Store, fields: tuple[str, str, int, int, bool], contract_id: int | None
) -> None:
    """Two contracts that are the same in every field could not be told apart in a picker."""
    for other in store.contracts(archived=False):
        same = (
            other.title,
            other.client,
            other.rate_cents,
            other.weekly_limit_minutes,
            other.manual_allowed,
        ) == fields
        if same and other.id != contract_id:
            raise InvalidInput(
                f"Contract {other.id} is already exactly this: {other.title} for {other.client} "
                f"at {other.rate:.2f} an hour. Change a field, or use that one.",
                code="contract-duplicate",
            )


def link_contract(store: Store, contract_id: int, marketplace_id: str) -> Contract:
    """Make the device's contract the marketplace's contract ``marketplace_id``: segments
    signed from now on name it (docs/protocol.md, "Contract ids")."""
    if not CONTRACT(marketplace_id) or is_device_contract(marketplace_id):
        raise InvalidInput(
            f"{marketplace_id[:60]!r} is not a marketplace's contract id: those are 1 to 128 "
            "letters, digits and . _ : / -, and not digits only (m-3f2a..., say).",
            code="bad-marketplace-id",
        )
    for other in store.contracts():
        if other.marketplace_id == marketplace_id and other.id != contract_id:
            raise InvalidInput(
                f"Contract {other.id} ({other.title}) is that marketplace contract already.",
                code="marketplace-id-taken",
            )
    return store.link_marketplace(contract_id, marketplace_id)
