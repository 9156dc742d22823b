"""The honest account of an import: what was read, kept, merged and rejected, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from cdkg.ingest.twinning_statements import TwinningExtract


@dataclass
class ImportSummary:
    """Counts a person can check against the file, and the reasons behind every loss."""

    rows_read: int
    duplicate_rows: int
    rejected_rows: int
    distinct_statements: int
    agreements: int
    reciprocal_agreements: int
    statements_missing_reciprocal: int
    parties: int
    parties_with_several_populations: int
    rejections: dict[str, int] = field(default_factory=dict)
    rejection_examples: dict[str, list[str]] = field(default_factory=dict)
    dropped_values: dict[str, int] = field(default_factory=dict)
    dropped_examples: dict[str, list[str]] = field(default_factory=dict)
    unchanged: bool = False

    @classmethod
    def of(cls, extract: TwinningExtract) -> ImportSummary:
        statements = extract.statements
        pairs = {s.pair for s in statements.values()}
        missing = sum(1 for (a, b) in statements if (b, a) not in statements)
        reciprocal = sum(1 for (a, b) in statements if (b, a) in statements) // 2
        return cls(
            rows_read=extract.rows_read,
            duplicate_rows=extract.duplicate_rows,
            rejected_rows=sum(extract.rejected_rows.counts.values()),
            distinct_statements=len(statements),
            agreements=len(pairs),
            reciprocal_agreements=reciprocal,
            statements_missing_reciprocal=missing,
            parties=len(extract.parties),
            parties_with_several_populations=sum(
                1 for facts in extract.parties.values() if len(facts.populations) > 1
            ),
            rejections=dict(extract.rejected_rows.counts),
            rejection_examples=dict(extract.rejected_rows.examples),
            dropped_values=dict(extract.dropped_values.counts),
            dropped_examples=dict(extract.dropped_values.examples),
        )

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """The summary as a person reads it at the end of `cdkg import`."""
        out = [
            f"rows read                          {self.rows_read:>8}",
            f"rows repeating a statement         {self.duplicate_rows:>8}"
            "   (one row per combination of multi-valued facts)",
            f"rows rejected                      {self.rejected_rows:>8}",
            f"distinct twinning statements       {self.distinct_statements:>8}",
            f"agreements (one per pair)          {self.agreements:>8}",
            f"  stated by both sides             {self.reciprocal_agreements:>8}",
            f"statements missing a reciprocal    {self.statements_missing_reciprocal:>8}"
            "   (the partner's claim is not in this file)",
            f"parties                            {self.parties:>8}",
            f"parties with several populations   {self.parties_with_several_populations:>8}"
            "   (undated: none kept, the latest cannot be told)",
        ]
        for title, counts, examples in (
            ("rejected rows, by reason:", self.rejections, self.rejection_examples),
            ("values left out, by reason:", self.dropped_values, self.dropped_examples),
        ):
            if counts:
                out.append(title)
                for reason, count in sorted(counts.items(), key=lambda kv: -kv[1]):
                    sample = "; ".join(examples.get(reason, []))
                    out.append(f"  {count:>6}  {reason}" + (f"  (e.g. {sample})" if sample else ""))
        if self.unchanged:
            out.append("the same file was imported before: the graph is unchanged")
        return out
