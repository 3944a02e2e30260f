import { describe, expect, it } from 'vitest';
import { SpaceError } from '../../src/errors.js';
import { parseDuration, parseStudyFile } from '../../src/study-file/study-file.js';

const catalog = {
  samplers: { random: ['seed'], tpe: ['seed', 'multivariate'] },
  pruners: { none: [], median: ['nStartupTrials'] },
};

const good = `study: demo
direction: maximize
metric: val_acc
objective:
  module: ./objective.ts
sampler: { kind: tpe, multivariate: true }
pruner: median
budget: { trials: 20, timeout: 1h30m }
workers: { devices: [0, 1], perDevice: 2 }
params:
  lr: { float: [1.0e-5, 1.0e-3], log: true }
  batch_size: { choice: [16, 32, 64] }
  epochs: { int: [1, 9], step: 2 }
  optimizer: { choice: [adamw, sgd] }
  momentum: { float: [0.8, 0.99], when: { optimizer: sgd } }
`;

function errorOf(text: string): string {
  try {
    parseStudyFile(text, 'spaces/bad.yaml', catalog);
  } catch (error) {
    expect(error).toBeInstanceOf(SpaceError);
    expect((error as SpaceError).exitCode).toBe(2);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected the file to be refused');
}

function withParams(params: string): string {
  return `objective: { module: ./o.ts }\nparams:\n${params}\n`;
}

describe('parseStudyFile on a good file', () => {
  const file = parseStudyFile(good, 'spaces/demo.yaml', catalog);
  it('reads every section', () => {
    expect(file.study).toBe('demo');
    expect(file.direction).toBe('maximize');
    expect(file.metric).toBe('val_acc');
    expect(file.objective).toMatchObject({ kind: 'module', exportName: 'objective' });
    expect(file.sampler).toMatchObject({ kind: 'tpe', options: { multivariate: true }, line: 6 });
    expect(file.pruner).toMatchObject({ kind: 'median', options: {} });
    expect(file.budget).toEqual({ trials: 20, timeoutSeconds: 5400 });
    expect(file.workers).toEqual({ devices: [0, 1], perDevice: 2 });
  });
  it('compiles the parameters with their conditions', () => {
    expect(file.space.params.map((p) => p.name)).toEqual(['lr', 'batch_size', 'epochs', 'optimizer', 'momentum']);
    expect(file.space.params[4]?.when).toEqual({ optimizer: ['sgd'] });
    expect(file.space.params[0]?.distribution).toEqual({ kind: 'float', low: 1e-5, high: 1e-3, log: true, step: null });
  });
  it('resolves the module path against the file', () => {
    expect(file.objective.kind === 'module' && file.objective.path.endsWith('spaces/objective.ts')).toBe(true);
  });
});

describe('parseStudyFile refuses malformed files with file:line, key, expected and found', () => {
  it('bad YAML', () => {
    expect(errorOf('params:\n  lr: { float: [1, 2]\n')).toMatch(/^spaces\/bad\.yaml:\d+: invalid YAML/);
  });
  it('a duplicated key', () => {
    expect(errorOf(withParams('  lr: { float: [0, 1] }\n  lr: { int: [0, 1] }'))).toBe('spaces/bad.yaml:4: invalid YAML: a key appears twice in the same mapping');
  });
  it('an unknown top-level key', () => {
    expect(errorOf(`objective: { module: ./o.ts }\nsamplr: random\nparams:\n  x: { float: [0, 1] }\n`)).toMatch(
      /^spaces\/bad\.yaml:2: samplr: unknown key "samplr"; expected one of: study, /,
    );
  });
  it('a trialSeeds value other than shared or per-trial', () => {
    expect(errorOf(`trialSeeds: fixed\n${withParams('  x: { float: [0, 1] }')}`)).toMatch(/^spaces\/bad\.yaml:1: trialSeeds: expected per-trial or shared, found "?fixed"?/);
    expect(parseStudyFile(`trialSeeds: shared\n${withParams('  x: { float: [0, 1] }')}`, 'spaces/ok.yaml', catalog).trialSeeds).toBe('shared');
  });
  it('an unknown parameter key', () => {
    expect(errorOf(withParams('  lr: { float: [0, 1], logg: true }'))).toMatch(/^spaces\/bad\.yaml:3: params\.lr\.logg: unknown key "logg"/);
  });
  it('low > high', () => {
    expect(errorOf(withParams('  lr: { float: [0.1, 0.01] }'))).toBe('spaces/bad.yaml:3: params.lr.float: expected [low, high] with low <= high, found a list [0.1,0.01]');
  });
  it('log with low <= 0', () => {
    expect(errorOf(withParams('  lr: { float: [0, 0.1], log: true }'))).toBe('spaces/bad.yaml:3: params.lr.float: expected low > 0 for a log range, found a list [0,0.1]');
  });
  it('empty choices', () => {
    expect(errorOf(withParams('  bs: { choice: [] }'))).toBe('spaces/bad.yaml:3: params.bs.choice: expected at least one choice, found a list []');
  });
  it('a condition on an unknown parameter', () => {
    expect(errorOf(withParams('  momentum: { float: [0.8, 0.99], when: { optimiser: sgd } }'))).toMatch(
      /^spaces\/bad\.yaml:3: params\.momentum\.when: condition names unknown parameter "optimiser"/,
    );
  });
  it('a condition value the parent never takes', () => {
    expect(errorOf(withParams('  opt: { choice: [adamw, sgd] }\n  momentum: { float: [0.8, 0.99], when: { opt: adam } }'))).toMatch(
      /^spaces\/bad\.yaml:4: params\.momentum\.when: condition opt = "adam" can never hold/,
    );
  });
  it('an int range with a fraction', () => {
    expect(errorOf(withParams('  epochs: { int: [1, 2.5] }'))).toMatch(/params\.epochs\.int: expected \[low, high\] with two integers, found a list \[1,2\.5\]/);
  });
  it('two kinds in one parameter', () => {
    expect(errorOf(withParams('  x: { float: [0, 1], int: [0, 1] }'))).toBe('spaces/bad.yaml:3: params.x: expected exactly one of float, int or choice, found float and int');
  });
  it('log with step', () => {
    expect(errorOf(withParams('  x: { float: [1, 2], log: true, step: 0.1 }'))).toBe('spaces/bad.yaml:3: params.x: log and step cannot be used together');
  });
  it('a range a step does not divide (the API would trim it silently, as Optuna does)', () => {
    expect(errorOf(withParams('  x: { float: [0, 1], step: 0.3 }'))).toBe(
      'spaces/bad.yaml:3: params.x.float: 1 is not 0 plus a whole number of steps of 0.3, so the range would end at 0.9; write [0, 0.9], or a step that divides the range',
    );
    expect(errorOf(withParams('  n: { int: [1, 10], step: 2 }'))).toMatch(/params\.n\.int: 10 is not 1 plus a whole number of steps of 2, so the range would end at 9/);
    expect(() => parseStudyFile(`objective: { module: ./o.ts }\nparams:\n  x: { float: [0, 0.3], step: 0.1 }\n`, 'ok.yaml', catalog)).not.toThrow();
  });
  it('an unknown sampler', () => {
    expect(errorOf(`objective: { module: ./o.ts }\nsampler: { kind: cmaes }\nparams:\n  x: { float: [0, 1] }\n`)).toBe(
      'spaces/bad.yaml:2: sampler.kind: unknown sampler "cmaes"; expected one of: random, tpe',
    );
  });
  it('an unknown sampler option', () => {
    expect(errorOf(`objective: { module: ./o.ts }\nsampler:\n  kind: tpe\n  gama: 0.1\nparams:\n  x: { float: [0, 1] }\n`)).toMatch(
      /^spaces\/bad\.yaml:4: sampler\.gama: unknown key "gama"; expected one of: kind, seed, multivariate$/,
    );
  });
  it('a bad direction', () => {
    expect(errorOf(`direction: minimise\nobjective: { module: ./o.ts }\nparams:\n  x: { float: [0, 1] }\n`)).toBe(
      'spaces/bad.yaml:1: direction: expected minimize or maximize, found "minimise"',
    );
  });
  it('a missing objective', () => {
    expect(errorOf('params:\n  x: { float: [0, 1] }\n')).toMatch(/^spaces\/bad\.yaml:1: missing "objective"/);
  });
  it('missing params', () => {
    expect(errorOf('objective: { module: ./o.ts }\n')).toMatch(/^spaces\/bad\.yaml:1: missing "params"/);
  });
  it('a bad budget', () => {
    expect(errorOf(`objective: { module: ./o.ts }\nbudget: { trials: -3 }\nparams:\n  x: { float: [0, 1] }\n`)).toBe(
      'spaces/bad.yaml:2: budget.trials: expected a positive integer, found -3',
    );
    expect(errorOf(`objective: { module: ./o.ts }\nbudget: { timeout: soon }\nparams:\n  x: { float: [0, 1] }\n`)).toMatch(/budget\.timeout: expected a duration/);
  });
  it('a command placeholder naming no parameter', () => {
    expect(errorOf(`objective: { command: [python, train.py, "--lr={lrr}"] }\nparams:\n  lr: { float: [0, 1] }\n`)).toMatch(
      /objective\.command: placeholder \{lrr\} names no parameter; known: lr \(write \{\{ and \}\} for a literal brace\)/,
    );
    expect(errorOf(`objective: { command: [python, train.py, '{"depth": 3}'] }\nparams:\n  lr: { float: [0, 1] }\n`)).toMatch(/placeholder \{"depth": 3\} names no parameter/);
  });
  it('a command argument with escaped braces and a placeholder', () => {
    const file = parseStudyFile(`objective: { command: [python, train.py, '{{"lr": {lr}}}'] }\nparams:\n  lr: { float: [0, 1] }\n`, 'spaces/ok.yaml', catalog);
    expect(file.objective).toMatchObject({ kind: 'command', argv: ['python', 'train.py', '{{"lr": {lr}}}'] });
  });
  it('two parameters a command would get as one SODATE_PARAM_ variable', () => {
    expect(errorOf(`objective: { command: [python, train.py] }\nparams:\n  lr: { float: [0, 1] }\n  LR: { float: [0, 1] }\n`)).toBe(
      'spaces/bad.yaml:4: params.LR: parameters "lr" and "LR" would both be passed to the command as SODATE_PARAM_LR, and one would hide the other; rename one of them',
    );
    expect(errorOf(`objective: { command: [python, train.py] }\nparams:\n  drop-rate: { float: [0, 1] }\n  drop_rate: { float: [0, 1] }\n`)).toMatch(
      /^spaces\/bad\.yaml:4: params\.drop_rate: parameters "drop-rate" and "drop_rate" would both be passed to the command as SODATE_PARAM_DROP_RATE/,
    );
  });
  it('accepts such parameters for a module objective, which gets no environment variables', () => {
    expect(parseStudyFile(withParams('  lr: { float: [0, 1] }\n  LR: { float: [0, 1] }'), 'spaces/ok.yaml', catalog).space.params).toHaveLength(2);
  });
  it('a file that is not a mapping', () => {
    expect(errorOf('- a\n- b\n')).toMatch(/^spaces\/bad\.yaml:1: \(top level\): expected a mapping/);
  });
});

describe('parseDuration', () => {
  it('reads seconds, units and combinations', () => {
    expect(parseDuration(90)).toBe(90);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('2d')).toBe(172800);
  });
  it('refuses what is not a positive duration', () => {
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration(0)).toBeUndefined();
  });
});

describe('warmStart', () => {
  const withWarmStart = (warmStart: string) =>
    `objective: { module: ./o.ts }\nwarmStart: ${warmStart}\nparams:\n  lr: { float: [1.0e-4, 1.0e-2], log: true }\n  ema: { choice: [true, false] }\n`;
  it('reads from, storage, assume, enqueueBest and outside, with its line', () => {
    const file = parseStudyFile(withWarmStart('{ from: v1, storage: studies/v1.db, assume: { ema: false }, enqueueBest: false, outside: clip }'), 'w.yaml', catalog);
    expect(file.warmStart).toEqual({ from: 'v1', storage: 'studies/v1.db', assume: { ema: false }, enqueueBest: false, outside: 'clip', line: 2 });
    expect(parseStudyFile(withWarmStart('{ from: v1 }'), 'w.yaml', catalog).warmStart).toEqual({ from: 'v1', line: 2 });
  });
  it('refuses a missing from, unknown keys, bad values and assumed values outside their distribution', () => {
    expect(errorOf(withWarmStart('{ storage: x.db }'))).toBe('spaces/bad.yaml:2: warmStart.from: expected the name of an earlier study, found nothing');
    expect(errorOf(withWarmStart('{ from: v1, trials: 3 }'))).toMatch(/^spaces\/bad\.yaml:2: warmStart\.trials: unknown key "trials"; expected one of: from, storage, assume, enqueueBest, outside$/);
    expect(errorOf(withWarmStart('{ from: v1, outside: keep }'))).toBe('spaces/bad.yaml:2: warmStart.outside: expected drop or clip, found "keep"');
    expect(errorOf(withWarmStart('{ from: v1, assume: { ema: maybe } }'))).toBe('spaces/bad.yaml:2: warmStart.assume.ema: expected a value of one of [true,false], found "maybe"');
  });
});

describe('baseline', () => {
  const withBaseline = (baseline: string) =>
    `objective: { module: ./o.ts }\nbaseline: ${baseline}\nparams:\n  lr: { float: [1.0e-4, 1.0e-2], log: true }\n  opt: { choice: [adamw, sgd] }\n`;
  it('reads the configuration to grow from', () => {
    expect(parseStudyFile(withBaseline('{ lr: 1.0e-3, opt: adamw }'), 'b.yaml', catalog).baseline).toEqual({ lr: 1e-3, opt: 'adamw' });
  });
  it('refuses a value outside its parameter, naming the line', () => {
    expect(errorOf(withBaseline('{ lr: 0.5 }'))).toBe('spaces/bad.yaml:2: baseline.lr: expected a value of float [0.0001, 0.01], found 0.5');
    expect(errorOf(withBaseline('{ opt: adam }'))).toBe('spaces/bad.yaml:2: baseline.opt: expected a value of one of ["adamw","sgd"], found "adam"');
  });
  it('refuses an unknown parameter', () => {
    expect(errorOf(withBaseline('{ learning_rate: 0.001 }'))).toMatch(/^spaces\/bad\.yaml:2: baseline\.learning_rate: "learning_rate" is not a parameter; known: lr, opt$/);
  });
});

describe('several objectives and constraints in a space file', () => {
  const base = (top: string) => `${top}\nobjective: { module: ./o.ts }\nparams:\n  lr: { float: [0.1, 1] }\n`;
  it('reads directions, metrics and constraints', () => {
    const file = parseStudyFile(base('directions: [minimize, maximize]\nmetrics: [val_loss, throughput]\nconstraints:\n  gpu_mem_gb: { max: 16 }\n  accuracy_floor: { min: 0.5, max: 1 }'), 'mo.yaml', catalog);
    expect(file.directions).toEqual(['minimize', 'maximize']);
    expect(file.metrics).toEqual(['val_loss', 'throughput']);
    expect(file.direction).toBe('minimize');
    expect(file.metric).toBe('val_loss');
    expect(file.constraints).toEqual({ gpu_mem_gb: { max: 16 }, accuracy_floor: { min: 0.5, max: 1 } });
  });
  it('keeps one direction and metric as lists of one', () => {
    const file = parseStudyFile(base('direction: maximize\nmetric: acc'), 'one.yaml', catalog);
    expect(file.directions).toEqual(['maximize']);
    expect(file.metrics).toEqual(['acc']);
    expect(file.constraints).toBeUndefined();
  });
  it('refuses mismatches with one line naming the place', () => {
    expect(errorOf(base('directions: [minimize, maximize]\nmetrics: [val_loss]'))).toBe('spaces/bad.yaml:2: metrics: 1 metric for 2 directions: give one metric per direction');
    expect(errorOf(base('directions: [minimize, maximize]'))).toBe('spaces/bad.yaml:1: directions: 2 directions need metrics: a list of 2 names, e.g. metrics: [val_loss, latency_ms]');
    expect(errorOf(base('direction: minimize\ndirections: [minimize]'))).toMatch(/^spaces\/bad.yaml:2: directions: give either direction or directions, not both/);
    expect(errorOf(base('directions: [minimize, upward]\nmetrics: [a, b]'))).toMatch(/^spaces\/bad.yaml:1: .*minimize or maximize.*upward/);
    expect(errorOf(base('directions: [minimize, minimize]\nmetrics: [a, a]'))).toBe('spaces/bad.yaml:2: metrics: metric "a" is listed twice');
    expect(errorOf(base('constraints:\n  mem: { most: 3 }'))).toBe('spaces/bad.yaml:2: constraints.mem: unknown key most; use min and/or max');
    expect(errorOf(base('constraints:\n  mem: { max: x }'))).toBe('spaces/bad.yaml:2: constraints.mem: max must be a finite number, got "x"');
    expect(errorOf(base('metric: mem\nconstraints:\n  mem: { max: 3 }'))).toMatch(/^spaces\/bad.yaml:3: constraints.mem: "mem" is an objective/);
  });
});

describe('artifacts in a space file', () => {
  const withArtifacts = (artifacts: string) => `objective: { module: ./o.ts }\nartifacts: ${artifacts}\nparams:\n  x: { float: [0, 1] }\n`;
  it('reads keep and keepFailed, and resolves dir against the file', () => {
    const file = parseStudyFile(withArtifacts('{ dir: ./out, keep: 3, keepFailed: true }'), '/tmp/spaces/a.yaml', catalog);
    expect(file.artifacts).toEqual({ dir: '/tmp/spaces/out', keep: 3, keepFailed: true });
    expect(parseStudyFile(withArtifacts('{ keep: 2 }'), 'a.yaml', catalog).artifacts).toEqual({ keep: 2 });
    expect(parseStudyFile(withParams('  x: { float: [0, 1] }'), 'a.yaml', catalog).artifacts).toBeUndefined();
  });
  it('refuses bad values with one line naming file:line', () => {
    expect(errorOf(withArtifacts('{ keep: 0 }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.keep: expected a positive integer .*found 0/);
    expect(errorOf(withArtifacts('{ keepFailed: yes please }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.keepFailed: expected true or false/);
    expect(errorOf(withArtifacts('{ dir: 3 }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.dir: expected a directory path/);
    expect(errorOf(withArtifacts('{ kept: 2 }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.kept: unknown key "kept"; expected one of: dir, keep, keepFailed, url, endpoint, region/);
    expect(errorOf(withArtifacts('3'))).toMatch(/^spaces\/bad\.yaml:2: artifacts: expected a mapping/);
  });
  it('reads an S3 url with its endpoint and region', () => {
    const file = parseStudyFile(withArtifacts('{ url: s3://models/sweeps, endpoint: http://minio:9000, region: eu-west-1, keep: 2 }'), 'a.yaml', catalog);
    expect(file.artifacts).toEqual({ url: 's3://models/sweeps', endpoint: 'http://minio:9000', region: 'eu-west-1', keep: 2 });
  });
  it('refuses a bad S3 url, endpoint or region, and an endpoint without a url, naming file:line', () => {
    expect(errorOf(withArtifacts('{ url: https://models/x }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.url: expected an S3 location such as s3:\/\/bucket\/prefix/);
    expect(errorOf(withArtifacts('{ url: s3://MyBucket/x }'))).toMatch(/artifacts\.url: expected an S3 location such as s3:\/\/bucket\/prefix \(bucket "MyBucket" is not a valid S3 bucket name/);
    expect(errorOf(withArtifacts('{ url: s3://models, endpoint: minio:9000 }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.endpoint: expected an http\(s\):\/\/host:port URL/);
    expect(errorOf(withArtifacts('{ url: s3://models, region: "" }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.region: expected a region name/);
    expect(errorOf(withArtifacts('{ endpoint: http://minio:9000 }'))).toMatch(/^spaces\/bad\.yaml:2: artifacts\.endpoint: only goes with artifacts\.url/);
  });
});
