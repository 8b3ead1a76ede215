"""`batch --shard K/N`: which share of a repository list one CI job takes, and the results file
each share writes, which ``migrator.batch_merge`` joins again.

A repository lands in a shard by a hash of its identity (its remote URL, without any user name
or token, else its path relative to the current directory), never by its position in the list:
adding a repository to the list moves that repository only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from migrator.gitrepo import Git

RESULTS_SCHEMA_VERSION = 1


class ShardError(ValueError):
    """A --shard value that is not K/N with 1 <= K <= N."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise ShardError(f"--shard: write K/N (for example 2/4), not {text!r}")
    k, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= k <= n:
        raise ShardError(f"--shard {text}: K must be between 1 and N")
    return Shard(k, n)


def _strip_credentials(url: str) -> str:
    """``https://user:token@host/x`` -> ``https://host/x``: a token must not decide the shard."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", url.strip())


def repo_identity(repo: str) -> str:
    """The remote URL of ``origin`` (else the first remote), or the path relative to here."""
    path = Path(repo).expanduser()
    if (path / ".git").exists():
        git = Git(path)
        url = git.value("config", "--get", "remote.origin.url")
        if not url:
            names = (git.value("remote") or "").split()
            url = git.value("config", "--get", f"remote.{names[0]}.url") if names else None
        if url:
            return "remote:" + _strip_credentials(url)
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(os.getcwd()))
    return "path:" + rel.replace(os.sep, "/")


def shard_of(identity: str, count: int) -> int:
    """The 1-based shard of a repository: a SHA-256 of its identity, stable across runs and
    machines (Python's own ``hash`` of a string changes from one process to the next)."""
    digest = hashlib.sha256(identity.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def list_identity(identities: list[str]) -> str:
    """One short digest for the whole list, so that shards of two different lists never merge."""
    text = "\n".join(sorted(identities))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Selection:
    repos: list[str]  # this shard's repositories, in list order
    positions: dict[str, int]  # repository -> its 0-based position in the whole list
    total: int  # repositories in the whole list
    list_id: str
    shard: Shard


def select(repos: list[str], shard: Shard | None) -> Selection:
    identities = [repo_identity(r) for r in repos]
    shard = shard or Shard(1, 1)
    chosen = [
        i for i, ident in enumerate(identities) if shard_of(ident, shard.count) == shard.index
    ]
    return Selection(
        repos=[repos[i] for i in chosen],
        positions={repos[i]: i for i in chosen},
        total=len(repos),
        list_id=list_identity(identities),
        shard=shard,
    )


def results_json(rows_json: str, selection: Selection, extra: dict[str, dict] | None = None) -> str:
    """The rollout rows (``batch_report.to_json``) with what a merge checks: the schema version,
    the shard, the list it is a share of, and each repository's position in that list."""
    document = json.loads(rows_json)
    rows = document.get("repositories", [])
    for item in rows:
        item["position"] = selection.positions.get(item["repository"])
        for key, value in (extra or {}).get(item["repository"], {}).items():
            item[key] = value
    header = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "shard": {"index": selection.shard.index, "count": selection.shard.count},
        "list": {"id": selection.list_id, "repositories": selection.total},
    }
    return json.dumps({**header, "repositories": rows}, indent=2) + "\n"
