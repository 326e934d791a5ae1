// The HTML report in a real browser: two real runs (no jail, chroot) as --json, merged by
// `sjtest report ... --html`, opened by headless Chromium (Debian's `chromium`): the DOM it parsed has
// every cell with its evidence as a title, and its screenshot has the size asked for and shows the
// kept and broken colours.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { mainOutput } from './main-output.js';
import { statusColour } from './report-html.js';

const work = mkdtempSync(join(tmpdir(), 'sjtest-html-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sjtest = (argv: string[]) => mainOutput(argv);

/** RGBA pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes). */
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.subarray(off + 4, off + 8).toString();
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[12]]).toEqual([8, 0]); // 8 bits, not interlaced
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter] ?? 0;
      out[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => [...out.subarray(y * stride + x * channels, y * stride + x * channels + 3)],
  };
}

const rgb = (hex: string): number[] => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

describe('sjtest report --html in a browser', () => {
  it('is one self-contained page: the matrix, coloured, with evidence on hover', async () => {
    const only = 'fs.root,fs.dotdot,host.uname,proc.kill,func.fork-exec-wait,net.bind-any';
    const files: string[] = [];
    for (const preset of ['none', 'chroot']) {
      const r = await sjtest(['--preset', preset, '--only', only, '--json']);
      expect(r.err).toBe('');
      const file = join(work, `${preset}.json`);
      writeFileSync(file, r.out);
      files.push(file);
    }
    const html = join(work, 'results.html');
    expect(await sjtest(['report', ...files, '--html', html])).toEqual({ code: 0, out: '', err: '' });
    const page = readFileSync(html, 'utf8');
    // Nothing to fetch: no URL to load, and a policy that forbids any.
    expect(page).not.toMatch(/\b(src|href)=/);
    expect(page).toContain("default-src 'none'");

    const chromium = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--force-color-profile=srgb',
    ];
    const dom = execFileSync('chromium', [...chromium, '--dump-dom', `file://${html}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    expect(dom).toMatch(/<th>none<\/th><th>chroot<\/th>/);
    expect(dom).toContain('<code>chroot {root} {cmd}</code>');
    expect(dom).toMatch(/Kernel \d+\.\d+/);
    expect(dom).toMatch(/<tr class="area"><th colspan="4">fs \(2\)<\/th><\/tr>/);
    // fs.root: broken with no jail, kept by chroot; each with its evidence as the title.
    expect(dom).toMatch(
      /<code>fs\.root<\/code><\/td><td>[^<]*<\/td><td class="s broken" title="[^"]+">BROKEN<\/td><td class="s kept" title="[^"]+">kept<\/td>/,
    );

    const png = join(work, 'shot.png');
    const shot = spawnSync(
      'chromium',
      [...chromium, `--screenshot=${png}`, '--window-size=1000,700', `file://${html}`],
      {
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
    expect(shot.status).toBe(0);
    const image = decodePng(readFileSync(png));
    expect([image.width, image.height]).toEqual([1000, 700]);
    const counts = new Map<string, number>();
    for (let y = 0; y < image.height; y++)
      for (let x = 0; x < image.width; x++) {
        const key = image.pixel(x, y).join(',');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    const near = (want: number[]) =>
      [...counts]
        .filter(([k]) => k.split(',').every((v, i) => Math.abs(Number(v) - want[i]) <= 3))
        .reduce((n, [, c]) => n + c, 0);
    // Cells and the legend: hundreds of pixels of each colour.
    expect(near(rgb(statusColour.kept))).toBeGreaterThan(500);
    expect(near(rgb(statusColour.broken))).toBeGreaterThan(500);
    expect(near([255, 255, 255])).toBeGreaterThan(image.width * image.height * 0.3);
  }, 180_000);
});
