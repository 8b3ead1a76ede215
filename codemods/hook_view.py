"""What an SDK hook may read of the module being migrated: a protocol, so the hooks in
``codemods/sdks/`` depend on no transform (``codemods.credential_plan`` provides it)."""

from __future__ import annotations

from typing import Protocol

import libcst as cst


class HookView(Protocol):
    def get_metadata(self, *args: object) -> object:
        """Metadata of a node of the module, as a LibCST visitor asks for it."""

    def module_value(self, name: str) -> cst.BaseExpression | None:
        """The value a module-level name is assigned, if one plain assignment binds it."""

    def module_values(self) -> dict[str, cst.BaseExpression]:
        """Every module-level name with one plain assignment, and its value."""

    def names_in_module(self) -> frozenset[str]:
        """Every name the module uses or binds."""

    def credential_names(self) -> set[str]:
        """The names of the credentials planned for the module so far."""

    def token_credential_classes(self) -> frozenset[str]:
        """Module-level classes that subclass azure-core's ``TokenCredential`` or
        ``AsyncTokenCredential`` (the credential class a migration writes, for one)."""
