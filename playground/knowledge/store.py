"""One knowledge base in an embedded LanceDB folder: incremental ingest and vector/FTS/hybrid search.

A chunk's id is its source file plus a hash of its content, so re-ingesting a document inserts only
chunks whose text is new, keeps unchanged ones (no re-embedding), and deletes the chunks of text
that was edited away, all in one merge_insert transaction per ingest.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from playground.knowledge.chunking import Chunk, chunk_document
from playground.knowledge.embedding import Embedder
from playground.knowledge.parsing import Document
from playground.records import Passage

TABLE = "chunks"
SearchMode = Literal["vector", "fts", "hybrid"]
SEARCH_MODES: tuple[str, ...] = ("vector", "fts", "hybrid")
PRUNE_ALL = "*"  # prune= value: the ingest covers the whole store, so drop every document not given
Progress = Callable[[float, str], None]


class StoreError(RuntimeError):
    """The index cannot be used as asked (wrong embedder, bad filter, bad mode)."""


@dataclass(frozen=True)
class IngestReport:
    """What one ingest changed; the counts are chunks except `documents`."""

    documents: int
    chunks: int
    added: int
    updated: int
    removed: int
    seconds: float
    embed_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SearchResult:
    passages: list[Passage]
    embed_seconds: float
    search_seconds: float


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    chunks: int


@dataclass
class StoreStats:
    documents: int = 0
    chunks: int = 0
    embedder: str | None = None
    updated_at: str | None = None
    document_list: list[DocumentInfo] = field(default_factory=list)


def _embedding_text(chunk: Chunk) -> str:
    # The title and section give a chunk the context its own words may lack ("it costs $80").
    heading = " > ".join(part for part in (chunk.title, chunk.section) if part)
    return f"{heading}\n{chunk.text}" if heading else chunk.text


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class KnowledgeStore:
    """A LanceDB folder holding one table of embedded chunks."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        self.folder = Path(folder)
        self.embedder = embedder
        self._db = None

    # -- connection and schema ------------------------------------------------------------
    def _connect(self):
        if self._db is None:
            import lancedb

            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = lancedb.connect(str(self.folder))
        return self._db

    def _table(self):
        db = self._connect()
        if TABLE not in db.list_tables().tables:
            return None
        return db.open_table(TABLE)

    def _meta_file(self) -> Path:
        return self.folder / "index.json"

    def _read_meta(self) -> dict[str, Any]:
        try:
            return json.loads(self._meta_file().read_text())
        except (OSError, ValueError):
            return {}

    def _write_meta(self, **values: Any) -> None:
        meta = self._read_meta() | values
        self._meta_file().write_text(json.dumps(meta, indent=2))

    def _check_embedder(self) -> None:
        recorded = self._read_meta().get("embedder")
        if recorded and recorded != self.embedder.name:
            raise StoreError(
                f"this index was built with the embedder '{recorded}', not '{self.embedder.name}': "
                "search with that embedder or re-index into a new store"
            )

    @staticmethod
    def _schema(dim: int) -> pa.Schema:
        return pa.schema(
            [
                pa.field("id", pa.string()),
                pa.field("source", pa.string()),
                pa.field("origin", pa.string()),
                pa.field("title", pa.string()),
                pa.field("section", pa.string()),
                pa.field("text", pa.string()),
                pa.field("chunk_index", pa.int32()),
                pa.field("content_hash", pa.string()),
                pa.field("vector", pa.list_(pa.float32(), dim)),
            ]
        )

    # -- ingest ------------------------------------------------------------------------------
    def ingest(
        self,
        documents: Sequence[Document],
        origin: str = "",
        prune: str | None = None,
        chunk_size: int = 800,
        overlap: int = 120,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Index these documents incrementally.

        prune: None keeps every other document; an origin (a folder) drops that folder's documents not
        given; PRUNE_ALL drops every document not given.
        """
        started = time.perf_counter()
        self._check_embedder()
        report = progress or (lambda fraction, message: None)
        chunks = [c for doc in documents for c in chunk_document(doc, size=chunk_size, overlap=overlap)]
        sources = sorted({doc.source for doc in documents})
        table = self._table()
        existing = self._existing_rows(table, sources, prune)
        new_chunks = [c for c in chunks if c.id not in existing]
        report(0.05, f"{len(documents)} documents, {len(chunks)} chunks, {len(new_chunks)} to embed")
        embed_started = time.perf_counter()
        vectors = self._embed_with_progress([_embedding_text(c) for c in new_chunks], report)
        embed_seconds = time.perf_counter() - embed_started
        rows = [self._row(c, origin, vectors[i]) for i, c in enumerate(new_chunks)]
        rows += [existing[c.id] | self._row_meta(c, origin) for c in chunks if c.id in existing]
        removed_ids = set(existing) - {c.id for c in chunks}
        updated = sum(1 for c in chunks if c.id in existing and existing[c.id]["chunk_index"] != c.index)
        report(0.9, "writing the index")
        if new_chunks or removed_ids or updated:
            self._merge(table, rows, sources, prune, dim=self._dim(vectors, existing))
        self._write_meta(embedder=self.embedder.name, updated_at=datetime.now(UTC).isoformat(timespec="seconds"))
        report(1.0, "done")
        return IngestReport(
            len(documents),
            len(chunks),
            len(new_chunks),
            updated,
            len(removed_ids),
            time.perf_counter() - started,
            embed_seconds,
        )

    def _embed_with_progress(self, texts: list[str], report: Progress, batch: int = 256) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), batch):
            parts.append(self.embedder.embed(texts[start : start + batch]))
            report(
                0.05 + 0.85 * min(1.0, (start + batch) / len(texts)),
                f"embedded {min(start + batch, len(texts))}/{len(texts)} chunks",
            )
        return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def _existing_rows(self, table, sources: list[str], prune: str | None) -> dict[str, dict[str, Any]]:
        if table is None:
            return {}
        condition = self._scope(sources, prune)
        rows = table.search().where(condition).limit(None).to_list()
        return {row["id"]: {k: v for k, v in row.items() if not k.startswith("_")} for row in rows}

    @staticmethod
    def _scope(sources: list[str], prune: str | None) -> str:
        """The rows an ingest owns: its documents' chunks, plus all of its folder's when pruning."""
        parts = []
        if sources:
            parts.append(f"source IN ({', '.join(_quote(s) for s in sources)})")
        if prune == PRUNE_ALL:
            return "true"
        if prune is not None:
            parts.append(f"origin = {_quote(prune)}")
        return " OR ".join(parts) if parts else "false"

    @staticmethod
    def _row_meta(chunk: Chunk, origin: str) -> dict[str, Any]:
        return {
            "id": chunk.id,
            "source": chunk.source,
            "origin": origin,
            "title": chunk.title,
            "section": chunk.section or "",
            "text": chunk.text,
            "chunk_index": chunk.index,
            "content_hash": chunk.content_hash,
        }

    def _row(self, chunk: Chunk, origin: str, vector: np.ndarray) -> dict[str, Any]:
        return self._row_meta(chunk, origin) | {"vector": vector.astype(np.float32).tolist()}

    @staticmethod
    def _dim(vectors: np.ndarray, existing: dict[str, dict[str, Any]]) -> int:
        if vectors.size:
            return int(vectors.shape[1])
        return len(next(iter(existing.values()))["vector"]) if existing else 0

    def _merge(self, table, rows: list[dict[str, Any]], sources: list[str], prune: str | None, dim: int) -> None:
        if table is None:
            if not rows:
                return
            table = self._connect().create_table(TABLE, pa.Table.from_pylist(rows, schema=self._schema(dim)))
        else:
            data = pa.Table.from_pylist(rows, schema=table.schema)
            (
                table.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .when_not_matched_by_source_delete(self._scope(sources, prune))
                .execute(data)
            )
        self._reindex_text(table)

    @staticmethod
    def _reindex_text(table) -> None:
        from lancedb.index import FTS

        if table.count_rows():
            table.create_index("text", config=FTS(), replace=True)

    def remove_documents(self, sources: Sequence[str]) -> int:
        """Delete every chunk of these documents; returns how many chunks went."""
        table = self._table()
        if table is None or not sources:
            return 0
        condition = self._scope(list(sources), None)
        count = table.count_rows(condition)
        table.delete(condition)
        self._reindex_text(table)
        self._write_meta(updated_at=datetime.now(UTC).isoformat(timespec="seconds"))
        return count

    # -- reading -----------------------------------------------------------------------------
    def stats(self) -> StoreStats:
        table = self._table()
        meta = self._read_meta()
        if table is None:
            return StoreStats(embedder=meta.get("embedder"), updated_at=meta.get("updated_at"))
        frame = table.to_arrow().select(["source", "title"]).to_pandas()
        grouped = frame.groupby("source").agg(title=("title", "first"), chunks=("title", "size")).reset_index()
        docs = [DocumentInfo(r.source, r.title, int(r.chunks)) for r in grouped.itertuples()]
        return StoreStats(len(docs), len(frame), meta.get("embedder"), meta.get("updated_at"), docs)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", where: str | None = None) -> SearchResult:
        """The k best passages for the query; embedding and search time measured apart."""
        if mode not in SEARCH_MODES:
            raise StoreError(f"unknown search mode '{mode}'; use one of {', '.join(SEARCH_MODES)}")
        self._check_embedder()
        table = self._table()
        if table is None or not query.strip():
            return SearchResult([], 0.0, 0.0)
        embed_started = time.perf_counter()
        vector = self.embedder.embed([query])[0] if mode != "fts" else None
        embed_seconds = time.perf_counter() - embed_started
        search_started = time.perf_counter()
        try:
            rows = self._query(table, query, vector, mode, k, where).to_list()
        except (ValueError, RuntimeError, OSError) as exc:
            raise StoreError(f"search failed: {str(exc).splitlines()[0]}") from exc
        search_seconds = time.perf_counter() - search_started
        return SearchResult([self._passage(row, mode) for row in rows], embed_seconds, search_seconds)

    @staticmethod
    def _query(table, query: str, vector: np.ndarray | None, mode: str, k: int, where: str | None):
        if mode == "vector":
            builder = table.search(vector, query_type="vector").distance_type("cosine")
        elif mode == "fts":
            builder = table.search(query, query_type="fts")
        else:
            from lancedb.rerankers import RRFReranker

            builder = (
                table.search(query_type="hybrid")
                .vector(vector)
                .text(query)
                .distance_type("cosine")
                .rerank(RRFReranker())
            )
        if where:
            builder = builder.where(where, prefilter=True)
        return builder.select(["source", "title", "section", "text"]).limit(k)

    @staticmethod
    def _passage(row: dict[str, Any], mode: str) -> Passage:
        if mode == "vector":
            score = 1.0 - float(row["_distance"])  # cosine similarity
        elif mode == "fts":
            score = float(row["_score"])  # BM25
        else:
            score = float(row["_relevance_score"])  # reciprocal-rank fusion
        return Passage(source=row["source"], text=row["text"], score=round(score, 6), section=row["section"] or None)
