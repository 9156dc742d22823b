"""The honest account of an import: what was read, kept, merged and rejected, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from cdkg.ingest.memberships import MembershipExtract
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
    deprecated_statements: int = 0
    preferred_statements: int = 0
    pairs_with_conflicting_dates: int = 0
    labels_untagged: int = 0
    party_types: dict[str, int] = field(default_factory=dict)
    memberships: int = 0
    networks: int = 0
    membership_dates_withheld: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    rejection_examples: dict[str, list[str]] = field(default_factory=dict)
    dropped_values: dict[str, int] = field(default_factory=dict)
    dropped_examples: dict[str, list[str]] = field(default_factory=dict)
    unchanged: bool = False

    @classmethod
    def of(cls, extract: TwinningExtract, party_types: dict[str, int] | None = None) -> ImportSummary:
        statements = extract.statements
        pairs = {s.pair for s in statements.values()}
        starts: dict[tuple[str, str], set] = {}
        ends: dict[tuple[str, str], set] = {}
        for statement in statements.values():
            starts.setdefault(statement.pair, set()).update(statement.starts)
            ends.setdefault(statement.pair, set()).update(statement.ends)
        conflicting = sum(1 for pair in pairs if len(starts[pair]) > 1 or len(ends[pair]) > 1)
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
            deprecated_statements=len(extract.deprecated),
            preferred_statements=len(extract.preferred),
            pairs_with_conflicting_dates=conflicting,
            labels_untagged=len(extract.labels_untagged),
            party_types=dict(sorted((party_types or {}).items())),
            rejections=dict(extract.rejected_rows.counts),
            rejection_examples=dict(extract.rejected_rows.examples),
            dropped_values=dict(extract.dropped_values.counts),
            dropped_examples=dict(extract.dropped_values.examples),
        )

    def add_memberships(self, extract: MembershipExtract) -> None:
        """Count the P463 memberships of a fetch, and merge their losses into the summary's."""
        self.memberships = len(extract.memberships)
        self.networks = len(extract.networks)
        self.membership_dates_withheld = extract.periods_withheld()
        for problems, counts, examples in (
            (extract.rejected_rows, self.rejections, self.rejection_examples),
            (extract.dropped_values, self.dropped_values, self.dropped_examples),
        ):
            for reason, count in problems.counts.items():
                counts[f"membership: {reason}"] = count
                examples[f"membership: {reason}"] = problems.examples.get(reason, [])
        self.rejected_rows += sum(extract.rejected_rows.counts.values())

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
            f"deprecated statements left out     {self.deprecated_statements:>8}",
            f"preferred statements kept          {self.preferred_statements:>8}",
            f"pairs with conflicting dates       {self.pairs_with_conflicting_dates:>8}"
            "   (the sides give different start or end dates: kept on each claim)",
        ]
        if self.labels_untagged:
            out.append(
                f"labels left without a language     {self.labels_untagged:>8}"
                "   (English words in a file said to be in another language)"
            )
        if self.memberships or self.networks:
            out += [
                f"network memberships (P463)         {self.memberships:>8}   in {self.networks} networks",
                f"  with their dates withheld        {self.membership_dates_withheld:>8}"
                "   (several statements giving different dates)",
            ]
        if self.party_types:
            out.append("parties by type (from P31; unknown classes stay cdo:Actor):")
            for name, count in self.party_types.items():
                out.append(f"  {count:>6}  {name}")
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
