/**
 * Renders rows as an aligned plain-text table with a header line. Cells containing newlines
 * are split over several lines (e.g. one redirect URI per line).
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const expanded: string[][] = [];
  for (const row of [header, ...rows]) {
    const cells = row.map((cell) => cell.split("\n"));
    const height = Math.max(1, ...cells.map((lines) => lines.length));
    for (let i = 0; i < height; i++) expanded.push(cells.map((lines) => lines[i] ?? ""));
  }
  const widths = header.map((_, column) =>
    Math.max(...expanded.map((row) => (row[column] ?? "").length)),
  );
  return expanded
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Renders `label: value` pairs with aligned values. */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields
    .map(([label, value]) => {
      const [first = "", ...rest] = value.split("\n");
      const pad = " ".repeat(width + 2);
      return [`${`${label}:`.padEnd(width + 2)}${first}`, ...rest.map((l) => pad + l)].join("\n");
    })
    .join("\n");
}
