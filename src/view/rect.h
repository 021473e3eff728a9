/* Rectangles of canvas cells that widgets draw into, and ways to cut them up (view layer). */
#ifndef BNTUTOR_VIEW_RECT_H
#define BNTUTOR_VIEW_RECT_H

typedef struct Rect {
    int x, y, w, h;     /* top-left cell and size in cells */
} Rect;

static inline Rect rect_make(int x, int y, int w, int h)
{
    return (Rect){x, y, w < 0 ? 0 : w, h < 0 ? 0 : h};
}

/* Shrinks by dx columns on the left and right and dy rows on top and bottom. */
static inline Rect rect_inset(Rect r, int dx, int dy)
{
    return rect_make(r.x + dx, r.y + dy, r.w - 2 * dx, r.h - 2 * dy);
}

/* Left part `cols` wide (clamped), a gap, then the rest. */
static inline void rect_split_cols(Rect r, int cols, int gap, Rect *left, Rect *right)
{
    if (cols > r.w)
        cols = r.w;
    if (cols < 0)
        cols = 0;
    *left = rect_make(r.x, r.y, cols, r.h);
    *right = rect_make(r.x + cols + gap, r.y, r.w - cols - gap, r.h);
}

/* Top part `rows` tall (clamped), a gap, then the rest. */
static inline void rect_split_rows(Rect r, int rows, int gap, Rect *top, Rect *bottom)
{
    if (rows > r.h)
        rows = r.h;
    if (rows < 0)
        rows = 0;
    *top = rect_make(r.x, r.y, r.w, rows);
    *bottom = rect_make(r.x, r.y + rows + gap, r.w, r.h - rows - gap);
}

#endif
