import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';

describe('toCsv', () => {
  it('quotes what needs quoting and unions the columns of every row', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: null, c: 'say "hi"\nthere' },
      ]),
    ).toBe('a,b,c\r\n1,"x,y",\r\n,,"say ""hi""\nthere"\r\n');
  });

  it('defuses text a spreadsheet would run as a formula, but not negative numbers', () => {
    expect(toCsv([{ prompt: '=HYPERLINK("http://x")', delta: -1.5 }])).toBe('prompt,delta\r\n"\'=HYPERLINK(""http://x"")",-1.5\r\n');
  });
});
