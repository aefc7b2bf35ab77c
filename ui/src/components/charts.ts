// Colours for event types and stores, shared by the charts.

const FAMILY: Array<[RegExp, string[]]> = [
  [/^USER_/, ['#3b6fd8', '#7ea2ea', '#1f4aa8', '#a9c1f2']],
  [/^POST_/, ['#2f9e6e', '#6cc39b', '#1d7350', '#a6dcc2']],
  [/^(FOLLOW|UNFOLLOW)/, ['#9b59b6', '#c293d6', '#6f3a86', '#dcc0e8']],
  [/^COMMENT/, ['#d08a1d', '#e8b563', '#9c6410', '#f1d29d']],
  [/LIKE/, ['#d64f6b', '#e98aa0', '#a1324a', '#f3bccb']],
];

const used = new Map<string, string>();

export function colourOf(type: string): string {
  const known = used.get(type);
  if (known) return known;
  const family = FAMILY.find(([re]) => re.test(type));
  const palette = family?.[1] ?? ['#64748b', '#94a3b8', '#475569', '#cbd5e1'];
  const taken = [...used.values()].filter((c) => palette.includes(c)).length;
  const colour = palette[taken % palette.length]!;
  used.set(type, colour);
  return colour;
}

export const AXIS = { stroke: '#8a97a8', fontSize: 11 };
