import { FONT } from './svg/frame.js';

/**
 * An SVG document rendered to PNG by resvg (a Rust renderer shipped as a prebuilt binary
 * inside its npm package; no browser, no system library). Text uses the system's fonts;
 * DejaVu Sans is asked for first. Loaded on first use so that commands which do not draw
 * PNGs never load the native module.
 */
export async function svgToPng(svg: string, options: { readonly scale?: number } = {}): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: options.scale ?? 1.5 },
    font: { loadSystemFonts: true, defaultFontFamily: FONT.split(',')[0]?.replace(/'/g, '').trim() ?? 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}
