/**
 * Scaffolds a new voucher area (docs/adding-a-voucher-area.md): its definition, its test and its
 * registration among the built-in areas, then prints the next steps.
 *
 *   npm run new-area -- <kebab-case-id> [--unit session|attendance-day|occupancy-day]
 *
 * What it writes is a sound definition with demo amounts (marked TODO), so the domain tests, the
 * build and the end-to-end test of every area pass before anything is edited; the developer then
 * replaces names, levels, rates and fee with the municipality's decided ones.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const UNITS = ['session', 'attendance-day', 'occupancy-day'] as const;
type Unit = (typeof UNITS)[number];

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const domain = join(root, 'packages', 'domain', 'src');

function fail(message: string): never {
  console.error(`new-area: ${message}`);
  process.exit(1);
}

function parseArgs(argv: string[]): { id: string; unit: Unit } {
  const args = [...argv];
  let unit: Unit = 'session';
  const at = args.indexOf('--unit');
  if (at >= 0) {
    const value = args[at + 1];
    if (value === 'minutes-by-band') fail('an area paid by the minute needs bands and hourly rates: copy packages/domain/src/areas/home-care.ts by hand (guide, step 2).');
    if (!UNITS.includes(value as Unit)) fail(`--unit is one of ${UNITS.join(', ')}`);
    unit = value as Unit;
    args.splice(at, 2);
  }
  const [id, ...rest] = args;
  if (!id || rest.length > 0) fail('usage: npm run new-area -- <kebab-case-id> [--unit session|attendance-day|occupancy-day]');
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(id)) fail(`${id} is not a kebab-case id (e.g. family-treatment)`);
  return { id, unit };
}

const constantOf = (id: string) => id.toUpperCase().replace(/-/g, '_');
const titleOf = (id: string) => id.charAt(0).toUpperCase() + id.slice(1).replace(/-/g, ' ');

function definitionFile(id: string, unit: Unit): string {
  const name = constantOf(id);
  // A place is where the customer lives: rent and food go to the home, no fee per day (the registry refuses one).
  const fee =
    unit === 'occupancy-day'
      ? `{ kind: 'paid-to-provider', paidToProvider: ['rent', 'food'] }`
      : `{ kind: 'per-unit', orePerUnit: 10_000, sharedMaxtaxa: false, paidToProvider: [] }`;
  return `import type { UnitAreaDefinition } from '../voucher-areas.js';

// TODO: every amount below is demo configuration. Replace it with the municipality's decided
// vouchers and say where each comes from (the board's decision, the seed, the law).

/**
 * ${titleOf(id)} (sv. TODO): TODO say what the voucher pays for and where the rule comes from.
 * Paid per ${unit}. A decision names its level by number: level 1 is \`basic\`, level 2 \`extended\`.
 */
export const ${name}: UnitAreaDefinition = {
  id: '${id}',
  nameSv: 'TODO ${titleOf(id)}',
  nameEn: '${titleOf(id)}',
  decisionKind: 'simplified',
  deliveryUnit: '${unit}',
  levels: [
    { id: 'basic', nameSv: 'Grund', nameEn: 'Basic' },
    { id: 'extended', nameSv: 'Utökad', nameEn: 'Extended' },
  ],
  rateTables: [
    {
      id: 'nacka-${id}-2024',
      municipality: 'nacka',
      areaId: '${id}',
      validFrom: '2024-01-01',
      validTo: null,
      rates: [
        { level: 'basic', providerKind: 'municipal', orePerUnit: 90_000 },
        { level: 'basic', providerKind: 'private', orePerUnit: 95_400 },
        { level: 'extended', providerKind: 'municipal', orePerUnit: 120_000 },
        { level: 'extended', providerKind: 'private', orePerUnit: 127_200 },
      ],
    },
  ],
  fee: ${fee},
  authorization: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'],
  carePlan: { required: false, deadlineDays: null },
  providers: 'one',${unit === 'session' ? `\n  // How many sessions one customer may have on one day (1 when left out).\n  sessionsPerDay: 1,` : ''}
};
`;
}

function testFile(id: string, unit: Unit): string {
  const name = constantOf(id);
  const fee = unit === 'occupancy-day' ? 0 : 3 * 10_000;
  return `// The test of docs/adding-a-voucher-area.md, step 5: amounts worked out by hand from the definition.
import { describe, expect, it } from 'vitest';
import { areaDefinitionProblems, levelIdForDecision, voucherAreaRegistry } from '../voucher-area-registry.js';
import { priceUnitStatement } from '../unit-statement.js';
import { areaFeeCharge } from '../area-fees.js';
import { ${name} } from './${id}.js';

describe('${titleOf(id).toLowerCase()}', () => {
  it('is a sound definition, registered among the built-in areas', () => {
    expect(areaDefinitionProblems(${name})).toEqual([]);
    expect(voucherAreaRegistry.get('${id}')).toEqual(${name});
  });

  it("pays each ${unit} at the voucher of the decision's level for the provider's kind", () => {
    // A decision's level 2 is the area's second level.
    expect(levelIdForDecision(${name}, 2)).toBe('extended');
    const statement = priceUnitStatement({
      area: ${name},
      providerId: 'p1',
      providerKind: 'private',
      month: '2026-10',
      deliveries: [
        { deliveryId: 'd1', customerId: 'c1', date: '2026-10-06', level: 'basic', units: 1, status: 'approved' },
        { deliveryId: 'd2', customerId: 'c1', date: '2026-10-13', level: 'extended', units: 1, status: 'approved' },
        { deliveryId: 'd3', customerId: 'c2', date: '2026-10-13', level: 'extended', units: 1, status: 'approved' },
        { deliveryId: 'd4', customerId: 'c2', date: '2026-10-20', level: 'extended', units: 1, status: 'disputed' },
      ],
    });
    expect(statement.lines).toEqual([
      { level: 'basic', orePerUnit: 95_400, units: 1, amountOre: 95_400 },
      { level: 'extended', orePerUnit: 127_200, units: 2, amountOre: 254_400 },
    ]);
    expect(statement.totalOre).toBe(349_800);
    expect(statement.excluded).toEqual([{ deliveryId: 'd4', reason: 'disputed' }]);
  });

  it('charges the customer by the fee model', () => {
    expect(areaFeeCharge(${name}, { units: 3 })).toEqual({ areaId: '${id}', tariffOre: ${fee === 0 ? '0' : '30_000'}, sharedMaxtaxa: false });
  });

  it('refuses a broken variant at registration, naming the problem', () => {
    const broken = { ...${name}, rateTables: [{ ...${name}.rateTables[0]!, rates: ${name}.rateTables[0]!.rates.slice(1) }] };
    expect(areaDefinitionProblems(broken)).toEqual([
      { path: 'rateTables.0.rates', code: 'DOMAIN.RATE_MISSING', message: 'rate table nacka-${id}-2024 (2024-01-01–open) has no rate for level basic, municipal providers' },
    ]);
  });
});
`;
}

async function edit(path: string, change: (text: string) => string): Promise<void> {
  const before = await readFile(path, 'utf8');
  const after = change(before);
  if (after === before) fail(`could not find where to register the area in ${path}; register it by hand (guide, step 3)`);
  await writeFile(path, after);
}

const { id, unit } = parseArgs(process.argv.slice(2));
const name = constantOf(id);
const definitionPath = join(domain, 'areas', `${id}.ts`);
const testPath = join(domain, 'areas', `${id}.test.ts`);
if (existsSync(definitionPath)) fail(`${definitionPath} exists already`);
const registryPath = join(domain, 'voucher-area-registry.ts');
if ((await readFile(registryPath, 'utf8')).includes(`'./areas/${id}.js'`)) fail(`${id} is registered already`);

await writeFile(definitionPath, definitionFile(id, unit));
await writeFile(testPath, testFile(id, unit));
await edit(registryPath, (text) =>
  text
    .replace(/(import \{ \w+ \} from '\.\/areas\/[a-z0-9-]+\.js';\n)(?!import \{ \w+ \} from '\.\/areas\/)/, `$1import { ${name} } from './areas/${id}.js';\n`)
    .replace(/(export const BUILT_IN_AREAS: readonly VoucherAreaDefinition\[\] = Object\.freeze\(\[[^\]]*?)\]\);/, `$1, ${name}]);`),
);
await edit(join(domain, 'index.ts'), (text) =>
  text.replace(/(export \{ \w+ \} from '\.\/areas\/[a-z0-9-]+\.js';\n)(?!export \{ \w+ \} from '\.\/areas\/)/, `$1export { ${name} } from './areas/${id}.js';\n`),
);

console.log(`Wrote packages/domain/src/areas/${id}.ts and ${id}.test.ts; registered ${name} in BUILT_IN_AREAS and exported it from packages/domain.

Next (docs/adding-a-voucher-area.md):
  1. Edit the definition: names, levels (a decision's level n is the n-th), rate tables, fee, authorization,
     care plan, providers${unit === 'session' ? ', sessionsPerDay' : ''}. Keep the test's hand-worked amounts in step with it.
  2. cd packages/domain && npx vitest run && npx tsc -p tsconfig.json --noEmit && npx eslint src
     (a wrong definition is refused with every problem and its path).
  3. npx turbo run build, then: cd tests && npx vitest run src/every-area-paid.test.ts -t ${id}
     (drives a journey of ${id} to a paid month; the demo data gives it the provider '${id}-kommunal').
  4. In a running platform: authorize providers (POST orders /providers/:id/authorizations, then
     /providers/:id/authorizations/${id}/decision), save the real voucher table (PUT billing
     /unit-rate-tables/:id), and report deliveries through ${unit === 'session' ? 'POST billing /orders/:orderId/sessions' : unit === 'attendance-day' ? 'POST billing /orders/:orderId/attendance' : 'POST billing /orders/:orderId/occupancy'}.`);
