# Builds NotoSansSC-metrics.otf (see README.md): Noto Sans CJK SC reduced to GB 2312 + ASCII/Latin-1
# + punctuation + full-width forms, every outline replaced by its bounding box.
# Usage: python3 make_metrics_font.py NotoSansCJK-Regular.ttc OUT.otf
import sys
from fontTools.ttLib import TTCollection
from fontTools import subset
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
src, out = sys.argv[1], sys.argv[2]
font = TTCollection(src).fonts[2]
assert 'SC' in font['name'].getDebugName(1), font['name'].getDebugName(1)
chars = set(range(0x20, 0x7f)) | set(range(0xa0, 0x100))
for hi in range(0xa1, 0xf8):
    for lo in range(0xa1, 0xff):
        try: chars.add(ord(bytes([hi, lo]).decode('gb2312')))
        except UnicodeDecodeError: pass
chars |= set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xff00, 0xfff0))
opts = subset.Options(); opts.name_IDs=['*']; opts.notdef_outline=True; opts.layout_features=[]; opts.hinting=False; opts.desubroutinize=True
sub = subset.Subsetter(opts); sub.populate(unicodes=chars); sub.subset(font)
gs = font.getGlyphSet(); cff = font['CFF '].cff; top = cff.topDictIndex[0]
cs = top.CharStrings
for name in font.getGlyphOrder():
    bp = BoundsPen(gs); gs[name].draw(bp)
    w = font['hmtx'][name][0]
    pen = T2CharStringPen(w, gs)
    if bp.bounds:
        x0,y0,x1,y1 = [round(v) for v in bp.bounds]
        pen.moveTo((x0,y0)); pen.lineTo((x1,y0)); pen.lineTo((x1,y1)); pen.lineTo((x0,y1)); pen.closePath()
    c = pen.getCharString(private=cs[name].private, globalSubrs=cs[name].globalSubrs)
    cs[name] = c
font.save(out)
print(len(chars))
