"""The knowledge-base commands: `ingest` files into a LanceDB store, `retrieve` passages from it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from playground.errors import UsageError
from playground.knowledge.embedding import make_embedder
from playground.knowledge.parsing import SUPPORTED_SUFFIXES, Document, parse_file
from playground.knowledge.store import SEARCH_MODES, KnowledgeStore, store_exists, store_location

if TYPE_CHECKING:
    from playground.services import Services


class InputError(UsageError):
    """Bad paths or options; one line for the user, exit code 2."""


def add_commands(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser("ingest", help="index documents (files or folders) into a LanceDB store")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument(
        "--store",
        required=True,
        type=store_location,
        help="the store: a folder (created if missing) or a URI such as s3://bucket/path",
    )
    ingest.add_argument("--chunk-size", type=int, help="characters per chunk (default 800)")
    ingest.add_argument("--overlap", type=int, help="characters shared by neighbouring chunks (default 120)")
    ingest.add_argument("--embedder", help="all-MiniLM-L6-v2 (default), st:<model> or a litellm embedding model")
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(handler=cmd_ingest)

    retrieve = commands.add_parser("retrieve", help="print the best passages for one or more questions")
    retrieve.add_argument("questions", nargs="+", metavar="QUESTION")
    retrieve.add_argument("--store", required=True, type=store_location, help="a store folder or URI")
    retrieve.add_argument("--k", type=int, default=5)
    retrieve.add_argument("--mode", choices=SEARCH_MODES, default="hybrid")
    retrieve.add_argument("--where", help="metadata filter, e.g. \"source = 'travel-policy.md'\"")
    retrieve.add_argument("--json", action="store_true")
    retrieve.set_defaults(handler=cmd_retrieve)


def _collect(paths: list[str]) -> list[tuple[Path, str, bool]]:
    """(file, origin, prune) for each document: a folder's files prune the folder's deleted ones."""
    found: list[tuple[Path, str, bool]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            found += [(f, str(path.resolve()), True) for f in files]
        elif path.is_file():
            found.append((path, "", False))
        else:
            raise InputError(f"{raw}: no such file or folder")
    names = [f.name for f, _, _ in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"two files share the name {duplicates[0]}: sources are file names, so rename one")
    return found


def _store(services: Services, location: str | Path, embedder: str | None) -> KnowledgeStore:
    recorded = KnowledgeStore(location, services.embedder).recorded_embedder()
    name = embedder or recorded or services.settings.embedder
    if name == services.settings.embedder:
        return KnowledgeStore(location, services.embedder)
    return KnowledgeStore(location, make_embedder(name, services.gateway.embed, services.settings.embedder_cache_dir))


def cmd_ingest(args: argparse.Namespace, services: Services) -> int:
    found = _collect(args.paths)
    # Parse everything before touching the index: one bad file leaves the store as it was.
    parsed: dict[tuple[str, bool], list[Document]] = {}
    for path, origin, prune in found:
        parsed.setdefault((origin, prune), []).append(parse_file(path))
    store = _store(services, args.store, args.embedder)
    size = args.chunk_size or services.settings.chunk_size
    overlap = services.settings.chunk_overlap if args.overlap is None else args.overlap
    totals = {"documents": 0, "chunks": 0, "added": 0, "updated": 0, "removed": 0, "seconds": 0.0}
    for (origin, prune), documents in parsed.items():
        report = store.ingest(
            documents, origin=origin, prune=origin if prune else None, chunk_size=size, overlap=overlap
        )
        for key, value in report.to_dict().items():
            totals[key] += value
    totals["seconds"] = round(totals["seconds"], 3)
    if args.json:
        print(json.dumps(totals))
    else:
        print(
            f"{totals['documents']} documents, {totals['chunks']} chunks: {totals['added']} added, "
            f"{totals['updated']} updated, {totals['removed']} removed in {totals['seconds']:.1f}s"
        )
    return 0


def cmd_retrieve(args: argparse.Namespace, services: Services) -> int:
    if args.k < 1:
        raise InputError("--k must be at least 1")
    if not store_exists(args.store):
        raise InputError(f"{args.store}: no index here; run `ingest` first")
    store = _store(services, args.store, None)
    for question in args.questions:
        result = store.search(question, k=args.k, mode=args.mode, where=args.where)
        hits = [p.to_dict() for p in result.passages]
        if args.json:
            print(json.dumps({"question": question, "hits": hits}))
        else:
            print(f"? {question}")
            for rank, hit in enumerate(hits, start=1):
                print(f"  {rank}. [{hit['score']:.3f}] {hit['source']}: {' '.join(hit['text'].split())[:100]}")
    return 0
