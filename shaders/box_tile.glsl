// Layout shared by the fused guided-filter passes (guided_coef_tile.comp, guided_mean_tile.comp): window sums over a
// (2R+1)^2 box of several planes, in shared memory, for a block of 32 x BY outputs per workgroup of 32 x 8 invocations.
// The tile (the block plus an R halo) is always 32 rows tall, so BY = 32 - 2R.
//   stage H: invocation (row hy = lin % 32, column group lin / 32) sums PH = 4 neighbouring outputs of a tile row over
//            their 2R+1 columns, from registers holding the row's samples (each sample loaded once, used by up to 4
//            outputs). Lanes of a warp run along tile rows, so the row pitches are odd: no bank conflicts.
//   stage V: invocation (column lin % 32, row group lin / 32) sums PV outputs of a column over 2R+1 rows of stage H's
//            sums the same way. Lanes run along x, so loads from shared and stores to device memory are contiguous.
// Every output sums its taps in the same order (ascending dx, then ascending dy) with the same instructions, so its value
// does not depend on where the block starts (tiled runs equal untiled ones); the input tile and the horizontal sums
// share one array (the input is dead once stage H has read it).
const int BX = 32;
const int TH = 32;            // tile rows
const int BY = TH - 2 * R;    // output rows per block
const int TW = BX + 2 * R;    // tile columns
const int IP = TW | 1;        // input row pitch (odd)
const int HP = BX + 1;        // horizontal-sum row pitch (odd)
const int PH = 4;             // outputs per stage-H invocation: 32 rows x 8 groups x 4 = the whole tile width
const int PV = (BY + 7) / 8;  // outputs per stage-V invocation: 32 columns x 8 groups x PV >= BY
const int NT = 256;
