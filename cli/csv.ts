/**
 * RFC 4180 CSV: fields with a comma, a double quote or a line break are quoted, quotes doubled;
 * lines end with CRLF, as spreadsheets expect.
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
