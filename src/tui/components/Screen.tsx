import { Box, Text } from 'ink';
import type { DashboardView, Line, Panel, Tone } from '../model/types.js';

const COLOR: Record<Tone, string | undefined> = {
  title: 'cyan',
  dim: undefined,
  accent: 'magenta',
  complete: 'green',
  pruned: 'yellow',
  failed: 'red',
  running: 'cyan',
  waiting: 'gray',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
};

/** One line of spans; the model already fitted it to its width. */
export function LineView({ line }: { readonly line: Line }) {
  return (
    <Text wrap="truncate-end">
      {line.map((span, i) => {
        const color = span.tone === undefined ? undefined : COLOR[span.tone];
        return (
          <Text key={i} {...(color === undefined ? {} : { color })} dimColor={span.tone === 'dim'} inverse={span.inverse === true} bold={span.bold === true}>
            {span.text}
          </Text>
        );
      })}
    </Text>
  );
}

export function PanelView({ panel }: { readonly panel: Panel }) {
  return (
    <Box flexDirection="column" width={panel.width} height={panel.height} flexShrink={0}>
      {panel.title === null ? null : <LineView line={panel.title} />}
      {panel.lines.map((line, i) => (
        <LineView key={i} line={line} />
      ))}
    </Box>
  );
}

/** Draws a computed view: header lines, rows of panel columns, the footer. Nothing else. */
export function Screen({ view }: { readonly view: DashboardView }) {
  return (
    <Box flexDirection="column" width={view.columns}>
      {view.header.map((line, i) => (
        <LineView key={`h${i}`} line={line} />
      ))}
      {view.body.map((row, r) => (
        <Box key={`r${r}`} flexDirection="row" columnGap={1} flexShrink={0}>
          {row.columns.map((column, c) => (
            <Box key={c} flexDirection="column" width={column.width} flexShrink={0}>
              {column.panels.map((panel) => (
                <PanelView key={panel.id} panel={panel} />
              ))}
            </Box>
          ))}
        </Box>
      ))}
      <LineView line={view.footer} />
    </Box>
  );
}
