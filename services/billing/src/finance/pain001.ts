import { z } from 'zod';
import { create } from 'xmlbuilder2';
import { isValidOcrReference } from '@kundval/domain';
import { Bic, PayeeAccount, SwedishIban, type PayeeAccount as PayeeAccountType } from './bank-accounts.js';
import { formatOre } from './money.js';

/**
 * ISO 20022 customer credit transfer initiation, `pain.001.001.03`, as Payments Sweden's common
 * Swedish implementation guide ("svensk tolkning") reads it, for domestic SEK payments to a
 * Bankgiro number, a Plusgiro number or an account by IBAN (ADR 0031; DOMAIN.md §6). Pure: the
 * clock and the message id come in.
 */
export const PAIN001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

/**
 * The giro systems as creditor agents in the Swedish guide: the Swedish clearing system SESBA with
 * member 9900 for Bankgirot and 9960 for PlusGirot (Nordea); the payee's number goes in
 * CdtrAcct/Othr with the scheme BGNR (proprietary) for Bankgiro and BBAN (code) for Plusgiro.
 */
const GIRO = {
  bankgiro: { member: '9900', scheme: { Prtry: 'BGNR' } },
  plusgiro: { member: '9960', scheme: { Cd: 'BBAN' } },
} as const;

// Max70Text: the schema allows 140 for a party's name, but the Swedish profile and the banks' own
// guides cut names at 70; longer names are refused here rather than truncated by the bank.
const PartyName = z.string().trim().min(1).max(70);
// Identifiers travel back in the bank's status reports: printable ASCII only, so they round-trip.
const Identifier = (max: number) => z.string().regex(new RegExp(`^[A-Za-z0-9/?:().,'+ -]{1,${max}}$`), `expected 1–${max} letters, digits or - / ? : ( ) . , ' +`);

export const Pain001Remittance = z.discriminatedUnion('kind', [
  /** Free text to the payee (Ustrd). */
  z.object({ kind: z.literal('text'), text: z.string().trim().min(1).max(140) }),
  /** An OCR reference the payee gave (Strd with a creditor reference of type SCOR). */
  z.object({ kind: z.literal('ocr'), reference: z.string().refine(isValidOcrReference, 'not a valid OCR reference (length and check digit)') }),
]);
export type Pain001Remittance = z.infer<typeof Pain001Remittance>;

export const Pain001Payment = z.object({
  /** Unique within the message; the bank quotes it back in its status report. */
  endToEndId: Identifier(35),
  /** The account debited; one PmtInf per debtor account and execution date. */
  debtor: z.object({ name: PartyName, iban: SwedishIban, bic: Bic }),
  executionDate: z.iso.date(),
  amountOre: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  creditor: z.object({ name: PartyName, account: PayeeAccount }),
  remittance: Pain001Remittance,
});
export type Pain001Payment = z.infer<typeof Pain001Payment>;

export const Pain001Input = z
  .object({
    /** At most 30 characters so that `<messageId>-<n>` still fits PmtInfId's 35. */
    messageId: Identifier(30),
    createdAt: z.date(),
    /**
     * Who sends the file: the municipality, identified as its bank agreement says — by organisation
     * number (ten digits, no hyphen) or by the agreement id the bank gave it — under the scheme
     * code the bank names (BANK: an id the bank assigned or keys the customer by; CUST: a customer
     * number). The guide makes InitgPty/Id mandatory: the bank finds the agreement by it.
     */
    initiatingParty: z.object({
      name: PartyName,
      id: Identifier(35),
      idScheme: z.enum(['BANK', 'CUST']).default('BANK'),
    }),
    payments: z.array(Pain001Payment).min(1).max(10_000),
  })
  .superRefine((input, ctx) => {
    const seen = new Map<string, number>();
    input.payments.forEach((p, i) => {
      const first = seen.get(p.endToEndId);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['payments', i, 'endToEndId'], message: `repeats the EndToEndId of payment ${first}` });
      else seen.set(p.endToEndId, i);
    });
    // One account, one holder: a PmtInf cannot name two debtors for the same IBAN.
    const holders = new Map<string, string>();
    input.payments.forEach((p, i) => {
      const holder = `${p.debtor.name}|${p.debtor.bic}`;
      const known = holders.get(p.debtor.iban);
      if (known !== undefined && known !== holder) ctx.addIssue({ code: 'custom', path: ['payments', i, 'debtor'], message: 'the same IBAN appears with another name or BIC' });
      else holders.set(p.debtor.iban, holder);
    });
  });
export type Pain001Input = z.input<typeof Pain001Input>;

/**
 * The payment file as UTF-8 XML. Throws a ZodError when the input breaks the profile: the caller
 * is expected to have validated what it stores, so a refusal here is a bug, not a user error.
 */
export function buildPain001(input: Pain001Input): string {
  const msg = Pain001Input.parse(input);
  const groups = new Map<string, Pain001Payment[]>();
  for (const p of msg.payments) {
    const key = `${p.debtor.iban}|${p.executionDate}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const initiatingParty = {
    Nm: msg.initiatingParty.name,
    Id: { OrgId: { Othr: { Id: msg.initiatingParty.id, SchmeNm: { Cd: msg.initiatingParty.idScheme } } } },
  };
  const document = {
    Document: {
      '@xmlns': PAIN001_NAMESPACE,
      CstmrCdtTrfInitn: {
        GrpHdr: {
          MsgId: msg.messageId,
          CreDtTm: isoDateTime(msg.createdAt),
          NbOfTxs: String(msg.payments.length),
          CtrlSum: formatOre(sumOre(msg.payments)),
          InitgPty: initiatingParty,
        },
        PmtInf: [...groups.values()].map((payments, i) => paymentInstruction(`${msg.messageId}-${i + 1}`, payments)),
      },
    },
  };
  return create({ version: '1.0', encoding: 'UTF-8' }, document).end({ prettyPrint: true });
}

function paymentInstruction(id: string, payments: Pain001Payment[]) {
  const [first] = payments as [Pain001Payment, ...Pain001Payment[]];
  return {
    PmtInfId: id,
    PmtMtd: 'TRF',
    NbOfTxs: String(payments.length),
    CtrlSum: formatOre(sumOre(payments)),
    // Domestic, non-urgent: the guide executes Bankgiro and Plusgiro payments as NURG; SUPP marks
    // supplier payments (not salaries or pensions, which the banks route differently).
    PmtTpInf: { SvcLvl: { Cd: 'NURG' }, CtgyPurp: { Cd: 'SUPP' } },
    ReqdExctnDt: first.executionDate,
    Dbtr: { Nm: first.debtor.name },
    DbtrAcct: { Id: { IBAN: first.debtor.iban }, Ccy: 'SEK' },
    DbtrAgt: { FinInstnId: { BIC: first.debtor.bic } },
    // SLEV, once per PmtInf: charges follow the agreement with the bank, as the guide asks of
    // domestic payments (and requires of SEPA); a charge code per transaction is not used.
    ChrgBr: 'SLEV',
    CdtTrfTxInf: payments.map(creditTransfer),
  };
}

function creditTransfer(p: Pain001Payment) {
  return {
    PmtId: { EndToEndId: p.endToEndId },
    Amt: { InstdAmt: { '@Ccy': 'SEK', '#': formatOre(p.amountOre) } },
    ...creditorAgentAndAccount(p.creditor.name, p.creditor.account),
    RmtInf:
      p.remittance.kind === 'text'
        ? { Ustrd: p.remittance.text }
        : { Strd: { CdtrRefInf: { Tp: { CdOrPrtry: { Cd: 'SCOR' } }, Ref: p.remittance.reference } } },
  };
}

/** CdtrAgt, Cdtr and CdtrAcct in the schema's order, per kind of payee account. */
function creditorAgentAndAccount(name: string, account: PayeeAccountType) {
  if (account.kind === 'iban') {
    return { CdtrAgt: { FinInstnId: { BIC: account.bic } }, Cdtr: { Nm: name }, CdtrAcct: { Id: { IBAN: account.number } } };
  }
  const giro = GIRO[account.kind];
  return {
    CdtrAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'SESBA' }, MmbId: giro.member } } },
    Cdtr: { Nm: name },
    CdtrAcct: { Id: { Othr: { Id: account.number, SchmeNm: giro.scheme } } },
  };
}

function sumOre(payments: readonly Pain001Payment[]): number {
  const total = payments.reduce((sum, p) => sum + p.amountOre, 0);
  if (!Number.isSafeInteger(total)) throw new RangeError('The control sum is beyond safe integer range.');
  return total;
}

/** xs:dateTime in UTC, whole seconds: the same instant reads the same in every bank's log. */
function isoDateTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
