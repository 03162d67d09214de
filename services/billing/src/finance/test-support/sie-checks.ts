import iconv from 'iconv-lite';

/**
 * An independent reading of a SIE 4I file against the SIE group's format description (SIE 4B),
 * for tests: what the writer must get right, checked without the writer's own parser.
 * - the file is code page 437 (#FORMAT PC8) with CR LF line ends, and starts with #FLAGGA 0|1;
 * - the records a type 4I file must have are there: #PROGRAM, #FORMAT, #GEN, #SIETYP 4, #FNAMN;
 * - #KPTYP, when present, names a chart the format knows (BAS95, BAS96, EUBAS97, NE2007, BAS20nn);
 * - the sections come in the format's order: identification, chart of accounts (#KONTO), vouchers;
 * - every #VER has a series, a positive whole number unique in its series, a date YYYYMMDD, and a
 *   braced block of #TRANS whose amounts (point decimals, at most two) sum to zero;
 * - with #KONTO records present, every #TRANS account is one of them.
 */
export function sie4Problems(bytes: Uint8Array): string[] {
  const problems: string[] = [];
  const text = iconv.decode(Buffer.from(bytes), 'cp437');
  if (!text.endsWith('\r\n') || /[^\r]\n/.test(text)) problems.push('line ends are not CR LF');
  const lines = text.split('\r\n').filter((l) => l.trim() !== '');
  if (!/^#FLAGGA [01]$/.test(lines[0] ?? '')) problems.push('the first record is not #FLAGGA 0|1');
  const section = { identification: 0, chart: 1, vouchers: 2 } as const;
  let at: number = section.identification;
  const seen = new Set<string>();
  const declared = new Set<string>();
  const used = new Set<string>();
  const numbers = new Set<string>();
  let voucher: { where: string; sum: number } | null = null;
  let block = false;
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}`;
    const label = /^\s*(#[A-Z]+|\{|\})/.exec(line)?.[1] ?? '';
    if (label === '{') {
      if (!voucher || block) problems.push(`${where}: { without a #VER`);
      block = true;
      continue;
    }
    if (label === '}') {
      if (voucher && voucher.sum !== 0) problems.push(`${voucher.where}: the voucher does not balance (${voucher.sum} öre)`);
      voucher = null;
      block = false;
      continue;
    }
    if (label === '#TRANS') {
      const m = /^\s*#TRANS (\d+) \{[^}]*\} (-?\d+(?:\.\d{1,2})?)(?: |$)/.exec(line);
      if (!block || !voucher) problems.push(`${where}: #TRANS outside a voucher`);
      else if (!m) problems.push(`${where}: #TRANS is not "account {objects} amount"`);
      else {
        used.add(m[1]!);
        const [whole, fraction = ''] = m[2]!.replace('-', '').split('.');
        const ore = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
        voucher.sum += m[2]!.startsWith('-') ? -ore : ore;
      }
      continue;
    }
    if (block) problems.push(`${where}: ${label} inside a voucher`);
    seen.add(label);
    if (label === '#VER') {
      at = section.vouchers;
      const m = /^#VER "?([A-Za-z0-9]+)"? "?(\d*)"? (\d{8}) /.exec(line);
      if (!m) problems.push(`${where}: #VER is not "series number date text"`);
      else if (!/^[1-9]\d*$/.test(m[2]!)) problems.push(`${where}: the voucher has no number`);
      else if (numbers.has(`${m[1]}|${m[2]}`)) problems.push(`${where}: voucher ${m[2]} repeats in series ${m[1]}`);
      else numbers.add(`${m[1]}|${m[2]}`);
      voucher = { where, sum: 0 };
    } else if (label === '#KONTO') {
      if (at > section.chart) problems.push(`${where}: #KONTO after the vouchers`);
      at = section.chart;
      const m = /^#KONTO (\d+) "[^"]+"$/.exec(line);
      if (!m) problems.push(`${where}: #KONTO is not "number "name""`);
      else declared.add(m[1]!);
    } else if (at > section.identification) problems.push(`${where}: ${label} after the chart of accounts or vouchers`);
    if (label === '#KPTYP' && !/^#KPTYP (BAS95|BAS96|EUBAS97|NE2007|BAS20\d\d)$/.test(line)) problems.push(`${where}: ${line} is not a chart type of the format`);
    if (label === '#FORMAT' && line !== '#FORMAT PC8') problems.push(`${where}: the format is not PC8`);
    if (label === '#SIETYP' && line !== '#SIETYP 4') problems.push(`${where}: the type is not 4`);
  }
  for (const required of ['#PROGRAM', '#FORMAT', '#GEN', '#SIETYP', '#FNAMN']) if (!seen.has(required)) problems.push(`${required} is missing`);
  if (declared.size > 0) for (const account of used) if (!declared.has(account)) problems.push(`account ${account} is used but not declared`);
  return problems;
}
