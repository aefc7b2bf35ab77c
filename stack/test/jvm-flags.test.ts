// The Java engines' JVM settings (engine.ts): the class-data-sharing archive
// is named after the jars on the classpath, so new jars get a new archive
// (the JVM never rewrites one made from other jars, it only stops using it),
// and an engine's older archives go.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { classArchive, classArchiveName, jvmFlags, type EngineContext } from '../src/engines/engine.ts';

const scratch = mkdtempSync(join(tmpdir(), 'jvm-flags-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function jarFolder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'a.jar'), 'a');
  writeFileSync(join(dir, 'b.jar'), 'bb');
  writeFileSync(join(dir, 'README.txt'), 'not a jar');
  return dir;
}

function engineContext(name: string): EngineContext {
  const dataDir = join(scratch, name);
  mkdirSync(join(dataDir, 'tmp'), { recursive: true });
  return { dataDir, artifacts: {}, runOnce: () => Promise.reject(new Error('not in this test')) };
}

describe('the class-data-sharing archive', () => {
  test('keeps its name while the jars stay, and gets a new one when a jar changes size or time', () => {
    const jars = jarFolder('jars-change');
    const first = classArchiveName(jars);
    assert.match(first, /^classes-[0-9a-f]{16}\.jsa$/);
    assert.equal(classArchiveName(jars), first);
    writeFileSync(join(jars, 'README.txt'), 'still not a jar, and longer');
    assert.equal(classArchiveName(jars), first, 'only jars count');
    writeFileSync(join(jars, 'b.jar'), 'bbb');
    const resized = classArchiveName(jars);
    assert.notEqual(resized, first);
    utimesSync(join(jars, 'a.jar'), new Date(2001, 0, 1), new Date(2001, 0, 1));
    assert.notEqual(classArchiveName(jars), resized);
    writeFileSync(join(jars, 'c.jar'), 'c');
    assert.notEqual(classArchiveName(jars), resized);
  });

  test("is kept in the engine's tmp folder, where the engine's older archives are removed and nothing else", () => {
    const jars = jarFolder('jars-cleanup');
    const ctx = engineContext('data-cleanup');
    const current = classArchiveName(jars);
    const tmp = join(ctx.dataDir, 'tmp');
    for (const file of [current, 'classes-0123456789abcdef.jsa', 'gc.log', 'classes-notes.txt']) writeFileSync(join(tmp, file), '');
    assert.equal(classArchive(ctx, jars), `/srv/data/tmp/${current}`);
    assert.deepEqual(readdirSync(tmp).sort(), [current, 'classes-notes.txt', 'gc.log'].sort());
  });

  test('a long-running engine gets the archive and a GC log; a one-shot tool neither; all run the serial collector and C1', () => {
    const jars = jarFolder('jars-flags');
    const engine = jvmFlags({ min: '64m', max: '256m' }, { ctx: engineContext('data-flags'), jarDir: jars });
    assert.ok(engine.includes(`-XX:SharedArchiveFile=/srv/data/tmp/${classArchiveName(jars)}`));
    assert.ok(engine.includes('-XX:+AutoCreateSharedArchive'));
    assert.ok(engine.some((flag) => flag.startsWith('-Xlog:gc:file=/srv/data/tmp/')));
    const tool = jvmFlags({ min: '64m', max: '256m' });
    assert.ok(!tool.some((flag) => flag.includes('SharedArchive') || flag.startsWith('-Xlog')));
    for (const flags of [engine, tool]) {
      for (const flag of ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']) assert.ok(flags.includes(flag), flag);
    }
  });

  test('an engine that asks for both compilers keeps C2, with one compiler thread of each kind', () => {
    const flags = jvmFlags({ min: '64m', max: '384m' }, { ctx: engineContext('data-tiered'), jarDir: jarFolder('jars-tiered'), jit: 'tiered' });
    assert.ok(!flags.some((flag) => flag.startsWith('-XX:TieredStopAtLevel')), flags.join(' '));
    assert.ok(flags.includes('-XX:CICompilerCount=2'));
    assert.ok(flags.includes('-XX:+UseSerialGC'));
  });
});
