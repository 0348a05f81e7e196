//! Small counts in the figures a state programme office sees of its member organisations.
//!
//! A count of people from 1 to 4 is shown as "< 5" (primary suppression); further cells are
//! shown as "x" (complementary suppression) so that nobody can work out a "< 5" cell from the
//! published figures; zero is shown as 0, because it identifies nobody.
//!
//! The attacker we protect against knows every published figure, that the rows and columns
//! add up to their totals, that "< 5" means 1 to 4 and that "x" means 5 or more (an "x" is
//! only ever put on a count of 5 or more, so that last bit of knowledge is even true). A
//! "< 5" cell is protected when a second table exists that such an attacker cannot tell from
//! the true one (the same published figures and sums, every "< 5" from 1 to 4, every "x" at
//! least 5) in which that cell has another value. "x" cells need no protection of their own.
//!
//! Why paths of rectangles: write the totals negated (the corner, a total of totals, stays
//! positive); then every row and every column of the extended table adds up to zero, and a
//! change keeps every sum exactly when it adds +1 and −1 alternately around a closed path
//! that turns at each of its cells from a row into a column or back. A rectangle is the
//! shortest such path. A path through a "< 5" cell along hidden cells only, on which every
//! cell stays within what its display promises, is the second table: the cell's witness.
//! We take the cheapest one (fewest newly hidden cells; members' figures before totals, the
//! grand total last; smaller counts first) and hide its cells; witnesses found earlier stay
//! valid, since hiding more only adds freedom. Conversely, any other table differs from the
//! true one by a sum of such paths, each of which can be walked on its own, so when no path
//! exists even with every non-zero cell hidden, no suppression can protect the cell: the
//! display alone gives it away, as with four "< 5" that add up to a "< 5" (they are all 1).
//! [`Grid::exposed`] names such cells; a caller then shows less detail (say, only the
//! Period column).
//!
//! A single line with its total ([`protect_line`]) is the same with pairs in place of paths:
//! a "< 5" part is protected by another hidden part that can move the opposite way, or by
//! the hidden total moving the same way.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Add;

use serde::Serialize;

/// The smallest count that may be published (zero aside).
pub const THRESHOLD: u64 = 5;

/// How one cell is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    /// The true count.
    Value(u64),
    /// "< 5": a count from 1 to 4.
    Small,
    /// "x": a count of 5 or more, hidden so that no "< 5" cell can be worked out.
    Hidden,
}

/// The published table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grid {
    /// `cells[r][c]` for r in 0..=R (R: the Total row) and c in 0..=C (C: the Period column).
    pub cells: Vec<Vec<Shown>>,
    /// "< 5" cells (row, column) that no suppression can protect, because the display rules
    /// alone pin them (e.g. a quarter total of 4 made of four members with 1 each). Empty for
    /// nearly every table; when not, the caller should publish less detail.
    pub exposed: Vec<(usize, usize)>,
}

/// Protects one measure's table: `interior[r][c]` is member r's count in quarter c.
///
/// # Panics
///
/// When the rows differ in length, or the counts add up beyond `u64`.
pub fn protect(interior: &[Vec<u64>]) -> Grid {
    let mut table = Table::new(interior);
    let mut witnessed = vec![vec![false; table.cols]; table.rows];
    let mut exposed = Vec::new();
    for (r, c) in table.order() {
        if !is_small(table.value[r][c]) || witnessed[r][c] {
            continue;
        }
        match table.witness((r, c)) {
            Some(path) => {
                // Every "< 5" cell on the path changes along with this one: all are covered.
                for (pr, pc) in path {
                    table.suppressed[pr][pc] = true;
                    witnessed[pr][pc] = true;
                }
            }
            None => exposed.push((r, c)),
        }
    }
    exposed.sort_unstable();
    let cells = (0..table.rows)
        .map(|r| {
            (0..table.cols).map(|c| shown(table.value[r][c], table.suppressed[r][c])).collect()
        })
        .collect();
    Grid { cells, exposed }
}

/// Protects one published line and its total (the total is published too, so it is a known
/// relation): returns how each part is shown and how the total is shown.
///
/// # Panics
///
/// When the parts add up beyond `u64`.
pub fn protect_line(parts: &[u64]) -> (Vec<Shown>, Shown) {
    let (mut shown, _) = solve_line(parts);
    let total = shown.pop().unwrap_or(Shown::Value(0));
    (shown, total)
}

/// Whether [`protect_line`] leaves a "< 5" that the display rules alone give away (four
/// parts of 1 and a total of 4): the caller should then not publish the line in parts.
pub fn line_exposed(parts: &[u64]) -> bool {
    !solve_line(parts).1.is_empty()
}

fn is_small(v: u64) -> bool {
    v > 0 && v < THRESHOLD
}

fn shown(v: u64, suppressed: bool) -> Shown {
    match (suppressed, is_small(v)) {
        (false, _) => Shown::Value(v),
        (true, true) => Shown::Small,
        (true, false) => Shown::Hidden,
    }
}

/// Whether a hidden count `v` can move by one (up or down) and still be what its display
/// promises: 1 to 4 for "< 5", at least 5 for "x". Zero never moves: it is published.
fn may_move(v: u64, up: bool) -> bool {
    match (is_small(v), up) {
        (true, true) => v + 1 < THRESHOLD,
        (true, false) => v > 1,
        (false, true) => v > 0,
        (false, false) => v > THRESHOLD,
    }
}

fn total(counts: impl IntoIterator<Item = u64>) -> u64 {
    counts.into_iter().fold(0, |sum, v| sum.checked_add(v).expect("counts add up beyond u64"))
}

/// Parts then total, as shown, and the "< 5" among them (index) that nothing can protect.
fn solve_line(parts: &[u64]) -> (Vec<Shown>, Vec<usize>) {
    let values: Vec<u64> = parts.iter().copied().chain([total(parts.iter().copied())]).collect();
    let sum_at = parts.len();
    let mut suppressed: Vec<bool> = values.iter().map(|&v| is_small(v)).collect();
    let mut witnessed = vec![false; values.len()];
    let mut exposed = Vec::new();
    for p in 0..values.len() {
        if !is_small(values[p]) || witnessed[p] {
            continue;
        }
        // Two parts keep the total when they move opposite ways; a part and the total, when
        // they move the same way.
        let trades = |q: usize| {
            [true, false].into_iter().any(|up| {
                let other_up = if p == sum_at || q == sum_at { up } else { !up };
                may_move(values[p], up) && may_move(values[q], other_up)
            })
        };
        let partner = (0..values.len())
            .filter(|&q| q != p && trades(q))
            .min_by_key(|&q| (!suppressed[q], q == sum_at, values[q], q));
        match partner {
            Some(q) => {
                suppressed[q] = true;
                witnessed[p] = true;
                witnessed[q] = true;
            }
            None => exposed.push(p),
        }
    }
    (values.iter().zip(&suppressed).map(|(&v, &s)| shown(v, s)).collect(), exposed)
}

/// What a witness path costs, compared field by field in this order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    /// Cells newly hidden.
    new: u32,
    /// Of them, the grand total: the one figure everybody looks at.
    grand: u32,
    /// Of them, the other totals.
    totals: u32,
    /// Their counts: hiding a 6 loses less than hiding a 600.
    counts: u128,
    /// All cells of the path, so that of equal paths the shorter wins.
    cells: u32,
}

impl Add for Cost {
    type Output = Cost;

    fn add(self, o: Cost) -> Cost {
        Cost {
            new: self.new + o.new,
            grand: self.grand + o.grand,
            totals: self.totals + o.totals,
            counts: self.counts + o.counts,
            cells: self.cells + o.cells,
        }
    }
}

/// The extended table: members then the Total row, quarters then the Period column.
struct Table {
    rows: usize,
    cols: usize,
    value: Vec<Vec<u64>>,
    suppressed: Vec<Vec<bool>>,
}

/// A node of the path search: rows are 0..rows, columns rows..rows + cols.
type Node = usize;

impl Table {
    fn new(interior: &[Vec<u64>]) -> Table {
        let width = interior.first().map_or(0, Vec::len);
        assert!(interior.iter().all(|row| row.len() == width), "rows of different length");
        let (rows, cols) = (interior.len() + 1, width + 1);
        let mut value = vec![vec![0; cols]; rows];
        for (r, row) in interior.iter().enumerate() {
            value[r][..width].copy_from_slice(row);
            value[r][width] = total(row.iter().copied());
        }
        value[rows - 1] =
            (0..cols).map(|c| total(value[..rows - 1].iter().map(|row| row[c]))).collect();
        let suppressed =
            value.iter().map(|row| row.iter().map(|&v| is_small(v)).collect()).collect();
        Table { rows, cols, value, suppressed }
    }

    /// A row or column total (not the corner): stored negated in the zero-sum view.
    fn is_total(&self, r: usize, c: usize) -> bool {
        (r + 1 == self.rows) != (c + 1 == self.cols)
    }

    fn is_grand(&self, r: usize, c: usize) -> bool {
        r + 1 == self.rows && c + 1 == self.cols
    }

    /// Members' figures first (their witnesses mostly cover the totals too), then the
    /// Period column, the Total row and the grand total.
    fn order(&self) -> Vec<(usize, usize)> {
        let (last_r, last_c) = (self.rows - 1, self.cols - 1);
        let interior = (0..last_r).flat_map(|r| (0..last_c).map(move |c| (r, c)));
        let period = (0..last_r).map(|r| (r, last_c));
        let totals = (0..last_c).map(|c| (last_r, c));
        interior.chain(period).chain(totals).chain([(last_r, last_c)]).collect()
    }

    fn step_cost(&self, (r, c): (usize, usize)) -> Cost {
        if self.suppressed[r][c] {
            return Cost { cells: 1, ..Cost::default() };
        }
        Cost {
            new: 1,
            grand: u32::from(self.is_grand(r, c)),
            totals: u32::from(self.is_total(r, c)),
            counts: u128::from(self.value[r][c]),
            cells: 1,
        }
    }

    /// The cells a path can take from `node`, with the node each leads to. Going from a row
    /// to a column raises the cell's signed value by one, i.e. its count, unless it is a
    /// total (stored negated); going back lowers it.
    fn steps(&self, node: Node) -> impl Iterator<Item = ((usize, usize), Node)> + '_ {
        let from_row = node < self.rows;
        let across = if from_row { self.cols } else { self.rows };
        (0..across).filter_map(move |i| {
            let (r, c, next) =
                if from_row { (node, i, self.rows + i) } else { (i, node - self.rows, i) };
            may_move(self.value[r][c], from_row != self.is_total(r, c)).then_some(((r, c), next))
        })
    }

    /// The cheapest closed path through `cell` (the cell included), if there is any.
    fn witness(&self, cell: (usize, usize)) -> Option<Vec<(usize, usize)>> {
        let (r, c) = cell;
        let (row, col) = (r, self.rows + c);
        let v = self.value[r][c];
        let total = self.is_total(r, c);
        // Entering the cell from its row raises its signed value; the path then has to come
        // back from its column to its row, and the other way round.
        let raise = may_move(v, !total).then(|| self.cheapest_path(col, row, cell)).flatten();
        let lower = may_move(v, total).then(|| self.cheapest_path(row, col, cell)).flatten();
        let best = match (raise, lower) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        best.map(|(_, mut path)| {
            path.push(cell);
            path
        })
    }

    /// Dijkstra over rows and columns, the cells being the edges; `skip` is the cell the
    /// path closes with. A shortest path never visits a node twice, so no cell moves twice.
    fn cheapest_path(
        &self, from: Node, to: Node, skip: (usize, usize),
    ) -> Option<(Cost, Vec<(usize, usize)>)> {
        let nodes = self.rows + self.cols;
        let mut best: Vec<Option<Cost>> = vec![None; nodes];
        let mut came: Vec<Option<(Node, (usize, usize))>> = vec![None; nodes];
        let mut queue = BinaryHeap::new();
        best[from] = Some(Cost::default());
        queue.push(Reverse((Cost::default(), from)));
        while let Some(Reverse((cost, node))) = queue.pop() {
            if best[node].is_some_and(|b| b < cost) {
                continue;
            }
            if node == to {
                break;
            }
            for (cell, next) in self.steps(node) {
                if cell == skip {
                    continue;
                }
                let reached = cost + self.step_cost(cell);
                if best[next].is_none_or(|b| reached < b) {
                    best[next] = Some(reached);
                    came[next] = Some((node, cell));
                    queue.push(Reverse((reached, next)));
                }
            }
        }
        let cost = best[to]?;
        let mut path = Vec::new();
        let mut node = to;
        while node != from {
            let (prev, cell) = came[node]?;
            path.push(cell);
            node = prev;
        }
        Some((cost, path))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;

    type Cell = (usize, usize);

    /// The true extended table, added up here rather than taken from `Table`.
    fn extended(interior: &[Vec<u64>]) -> Vec<Vec<u64>> {
        let cols = interior[0].len();
        let mut out: Vec<Vec<u64>> = interior
            .iter()
            .map(|row| row.iter().copied().chain([row.iter().sum()]).collect())
            .collect();
        let totals = (0..=cols).map(|c| out.iter().map(|row| row[c]).sum()).collect();
        out.push(totals);
        out
    }

    /// What the display says about a cell: a published count is that count, "< 5" is 1 to 4,
    /// "x" is 5 or more (capped at `cap`).
    fn bounds(shown: Shown, cap: u64) -> (u64, u64) {
        match shown {
            Shown::Value(v) => (v, v),
            Shown::Small => (1, THRESHOLD - 1),
            Shown::Hidden => (THRESHOLD, cap),
        }
    }

    /// Whether some values in `sum` (lowest, highest) can equal some in `total`.
    fn fits(sum: (u64, u64), total: (u64, u64)) -> bool {
        sum.0 <= total.1 && total.0 <= sum.1
    }

    /// What is left of `range` for a cell (bounds `own`) of a line (bounds `line`, the cell
    /// included) once the line's other cells take what they can.
    fn squeeze(
        range: (u64, u64), own: (u64, u64), line: (u64, u64), total: (u64, u64),
    ) -> (u64, u64) {
        let others = (line.0 - own.0, line.1 - own.1);
        (
            range.0.max(total.0.saturating_sub(others.1)),
            range.1.min(total.1.saturating_sub(others.0)),
        )
    }

    fn span<'a>(cells: impl Iterator<Item = &'a (u64, u64)>) -> (u64, u64) {
        cells.fold((0, 0), |(lo, hi), &(a, b)| (lo + a, hi + b))
    }

    /// An attacker who tries every table a published grid allows, written without anything
    /// of the witness search: the hidden interior cells take every value their display
    /// permits ("x" capped at `cap`, which only drops tables, so whatever this attacker
    /// cannot pin, the uncapped one cannot either), the totals follow from the interior and
    /// must agree with their display.
    struct Attacker {
        /// Interior cells, narrowed to single values as the search goes.
        cells: Vec<Vec<(u64, u64)>>,
        row_totals: Vec<(u64, u64)>,
        col_totals: Vec<(u64, u64)>,
        grand: (u64, u64),
    }

    impl Attacker {
        /// `pinned`: a cell the attacker supposes to have this value.
        fn new(grid: &[Vec<Shown>], cap: u64, pinned: Option<(Cell, u64)>) -> Attacker {
            let (rows, cols) = (grid.len() - 1, grid[0].len() - 1);
            let at = |r: usize, c: usize, cap: u64| match pinned {
                Some((cell, v)) if cell == (r, c) => (v, v),
                _ => bounds(grid[r][c], cap),
            };
            Attacker {
                cells: (0..rows).map(|r| (0..cols).map(|c| at(r, c, cap)).collect()).collect(),
                row_totals: (0..rows).map(|r| at(r, cols, u64::MAX)).collect(),
                col_totals: (0..cols).map(|c| at(rows, c, u64::MAX)).collect(),
                grand: at(rows, cols, u64::MAX),
            }
        }

        fn row(&self, r: usize) -> (u64, u64) {
            span(self.cells[r].iter())
        }

        fn col(&self, c: usize) -> (u64, u64) {
            span(self.cells.iter().map(|row| &row[c]))
        }

        fn all(&self) -> (u64, u64) {
            span(self.cells.iter().flatten())
        }

        /// False when no table can be completed from here (true need not mean one can).
        fn possible(&self) -> bool {
            let narrowed =
                |line: (u64, u64), total: (u64, u64)| (line.0.max(total.0), line.1.min(total.1));
            let rows: Vec<_> = self
                .row_totals
                .iter()
                .enumerate()
                .map(|(r, &t)| narrowed(self.row(r), t))
                .collect();
            let cols: Vec<_> = self
                .col_totals
                .iter()
                .enumerate()
                .map(|(c, &t)| narrowed(self.col(c), t))
                .collect();
            rows.iter().chain(&cols).all(|&(lo, hi)| lo <= hi)
                && fits(self.all(), self.grand)
                && fits(span(rows.iter()), self.grand)
                && fits(span(cols.iter()), self.grand)
        }

        /// Some table the grid allows, or None.
        fn first_table(&mut self) -> Option<Vec<Vec<u64>>> {
            if !self.possible() {
                return None;
            }
            let open = self
                .cells
                .iter()
                .enumerate()
                .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, b)| (r, c, *b)))
                .find(|(_, _, (lo, hi))| lo < hi);
            let Some((r, c, own)) = open else {
                return Some(
                    self.cells.iter().map(|row| row.iter().map(|b| b.0).collect()).collect(),
                );
            };
            let mut range = squeeze(own, own, self.row(r), self.row_totals[r]);
            range = squeeze(range, own, self.col(c), self.col_totals[c]);
            range = squeeze(range, own, self.all(), self.grand);
            for v in range.0..=range.1 {
                self.cells[r][c] = (v, v);
                if let Some(table) = self.first_table() {
                    return Some(table);
                }
            }
            self.cells[r][c] = own;
            None
        }

        /// Whether the grid allows this very table.
        fn allows(mut self, interior: &[Vec<u64>]) -> bool {
            for (r, row) in interior.iter().enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    let (lo, hi) = self.cells[r][c];
                    if v < lo || v > hi {
                        return false;
                    }
                    self.cells[r][c] = (v, v);
                }
            }
            self.possible()
        }
    }

    /// For every "< 5" cell of the grid, the values it takes in the tables the grid allows.
    fn values_of_small_cells(grid: &[Vec<Shown>], cap: u64) -> BTreeMap<Cell, BTreeSet<u64>> {
        let small: Vec<Cell> = (0..grid.len())
            .flat_map(|r| (0..grid[r].len()).map(move |c| (r, c)))
            .filter(|&(r, c)| grid[r][c] == Shown::Small)
            .collect();
        let mut seen: BTreeMap<Cell, BTreeSet<u64>> =
            small.iter().map(|&cell| (cell, BTreeSet::new())).collect();
        for &cell in &small {
            for v in 1..THRESHOLD {
                if seen[&cell].contains(&v) {
                    continue;
                }
                if let Some(table) = Attacker::new(grid, cap, Some((cell, v))).first_table() {
                    let full = extended(&table);
                    for (&(r, c), values) in seen.iter_mut() {
                        values.insert(full[r][c]);
                    }
                }
            }
        }
        seen
    }

    /// The most any suppression could hide: every non-zero cell.
    fn all_hidden(truth: &[Vec<u64>]) -> Vec<Vec<Shown>> {
        truth.iter().map(|row| row.iter().map(|&v| shown(v, v > 0)).collect()).collect()
    }

    /// Shown cells tell the truth: published counts are the true ones, "< 5" is exactly the
    /// counts 1 to 4, "x" only counts of 5 or more; zero is always published.
    fn check_truthful(shown: &[Shown], truth: &[u64]) -> Result<(), TestCaseError> {
        for (&s, &v) in shown.iter().zip(truth) {
            match s {
                Shown::Value(p) => {
                    prop_assert!(p == v && !(1..THRESHOLD).contains(&v), "{s:?} {v}")
                }
                Shown::Small => prop_assert!((1..THRESHOLD).contains(&v), "< 5 for {v}"),
                Shown::Hidden => prop_assert!(v >= THRESHOLD, "x for {v}"),
            }
        }
        Ok(())
    }

    /// The whole guarantee for one table, checked by brute force.
    fn check_table(interior: &[Vec<u64>]) -> Result<(), TestCaseError> {
        let grid = protect(interior);
        let truth = extended(interior);
        prop_assert_eq!(grid.cells.len(), truth.len());
        for (shown, true_row) in grid.cells.iter().zip(&truth) {
            prop_assert_eq!(shown.len(), true_row.len());
            check_truthful(shown, true_row)?;
        }
        let cap = truth.iter().flatten().sum::<u64>() + 20;
        prop_assert!(Attacker::new(&grid.cells, cap, None).allows(interior), "{grid:?}");
        let seen = values_of_small_cells(&grid.cells, cap);
        for (cell, values) in &seen {
            if !grid.exposed.contains(cell) {
                prop_assert!(
                    values.len() >= 2,
                    "{interior:?}: {cell:?} pinned to {values:?} in {grid:?}"
                );
            }
        }
        // An exposed cell is one that hiding everything would not save either.
        if !grid.exposed.is_empty() {
            let everything = values_of_small_cells(&all_hidden(&truth), cap);
            for cell in &grid.exposed {
                prop_assert_eq!(
                    everything[cell].len(),
                    1,
                    "{:?}: {:?} is not exposed",
                    interior,
                    cell
                );
            }
        }
        Ok(())
    }

    /// Each part's values in the lines the published line allows: one linear relation, so
    /// the bounds check alone is exact and the search never backtracks far.
    fn values_of_small_parts(line: &[Shown], cap: u64) -> BTreeMap<usize, BTreeSet<u64>> {
        let (parts, sum) = line.split_at(line.len() - 1);
        let small: Vec<usize> = (0..line.len()).filter(|&i| line[i] == Shown::Small).collect();
        let mut seen: BTreeMap<usize, BTreeSet<u64>> = BTreeMap::new();
        for &i in &small {
            for v in 1..THRESHOLD {
                let pin = |j: usize, b: (u64, u64)| if j == i { (v, v) } else { b };
                let mut cells: Vec<(u64, u64)> =
                    parts.iter().enumerate().map(|(j, &s)| pin(j, bounds(s, cap))).collect();
                let total = pin(parts.len(), bounds(sum[0], u64::MAX));
                if !fits(span(cells.iter()), total) {
                    continue;
                }
                for j in 0..cells.len() {
                    let range = squeeze(cells[j], cells[j], span(cells.iter()), total);
                    cells[j] = (range.0, range.0);
                }
                let found: u64 = cells.iter().map(|b| b.0).sum();
                assert!(fits((found, found), total), "the line search broke its own total");
                for &k in &small {
                    let value = if k == parts.len() { found } else { cells[k].0 };
                    seen.entry(k).or_default().insert(value);
                }
            }
        }
        seen
    }

    fn check_line(parts: &[u64]) -> Result<(), TestCaseError> {
        let (parts_shown, sum_shown) = protect_line(parts);
        let sum: u64 = parts.iter().sum();
        let line: Vec<Shown> = parts_shown.into_iter().chain([sum_shown]).collect();
        let truth: Vec<u64> = parts.iter().copied().chain([sum]).collect();
        prop_assert_eq!(line.len(), truth.len());
        check_truthful(&line, &truth)?;
        let (_, exposed) = solve_line(parts);
        prop_assert_eq!(line_exposed(parts), !exposed.is_empty());
        let cap = sum + 20;
        let seen = values_of_small_parts(&line, cap);
        for (i, values) in &seen {
            prop_assert!(values.contains(&truth[*i]), "{parts:?}: truth of {i} not allowed");
            if !exposed.contains(i) {
                prop_assert!(values.len() >= 2, "{parts:?}: {i} pinned to {values:?} in {line:?}");
            }
        }
        if !exposed.is_empty() {
            let everything: Vec<Shown> = truth.iter().map(|&v| shown(v, v > 0)).collect();
            let seen = values_of_small_parts(&everything, cap);
            for i in &exposed {
                prop_assert_eq!(seen[i].len(), 1, "{:?}: {} is not exposed", parts, i);
            }
        }
        Ok(())
    }

    fn count(grid: &Grid, which: Shown) -> usize {
        grid.cells.iter().flatten().filter(|&&s| s == which).count()
    }

    #[test]
    fn a_table_of_large_counts_is_published_whole() {
        let interior = vec![vec![10, 20, 5], vec![30, 40, 6]];
        let grid = protect(&interior);
        let truth = extended(&interior);
        let published: Vec<Vec<Shown>> =
            truth.iter().map(|row| row.iter().map(|&v| Shown::Value(v)).collect()).collect();
        assert_eq!(grid, Grid { cells: published, exposed: vec![] });
    }

    #[test]
    fn one_small_count_hides_the_three_other_corners_of_a_rectangle() {
        let interior = vec![vec![3, 10, 12], vec![10, 10, 30], vec![7, 8, 9]];
        let grid = protect(&interior);
        assert_eq!(count(&grid, Shown::Small), 1);
        assert_eq!(count(&grid, Shown::Hidden), 3);
        // The cheapest rectangle: the smallest counts among members' figures.
        assert_eq!(grid.cells[0][0], Shown::Small);
        assert_eq!(grid.cells[0][1], Shown::Hidden);
        assert_eq!(grid.cells[2][0], Shown::Hidden);
        assert_eq!(grid.cells[2][1], Shown::Hidden);
        check_table(&interior).unwrap();
    }

    #[test]
    fn a_single_cell_table_moves_all_four_figures_together() {
        for v in 1..THRESHOLD {
            let grid = protect(&[vec![v]]);
            assert_eq!(grid.cells, vec![vec![Shown::Small; 2]; 2], "{v}");
            assert!(grid.exposed.is_empty());
            check_table(&[vec![v]]).unwrap();
        }
        assert_eq!(protect(&[vec![7]]).cells, vec![vec![Shown::Value(7); 2]; 2]);
        assert_eq!(protect(&[vec![0]]).cells, vec![vec![Shown::Value(0); 2]; 2]);
    }

    #[test]
    fn zeros_are_published_and_hidden_cells_are_five_or_more() {
        let interior = vec![vec![0, 2, 0], vec![0, 6, 9], vec![4, 0, 5]];
        let grid = protect(&interior);
        let truth = extended(&interior);
        for (shown, row) in grid.cells.iter().zip(&truth) {
            check_truthful(shown, row).unwrap();
        }
        assert_eq!(grid.cells[0][0], Shown::Value(0));
        check_table(&interior).unwrap();
    }

    #[test]
    fn a_single_member_hides_column_totals_too() {
        // With one member the Total row repeats the member's row: its quarter must go too.
        let interior = vec![vec![3, 10]];
        let grid = protect(&interior);
        assert_eq!(
            grid.cells,
            vec![
                vec![Shown::Small, Shown::Hidden, Shown::Value(13)],
                vec![Shown::Small, Shown::Hidden, Shown::Value(13)]
            ]
        );
        check_table(&interior).unwrap();
    }

    #[test]
    fn four_ones_under_a_total_of_four_cannot_be_protected() {
        for interior in [vec![vec![1, 1, 1, 1]], vec![vec![1, 1], vec![1, 1]], vec![vec![1]; 4]] {
            let grid = protect(&interior);
            assert!(!grid.exposed.is_empty(), "{interior:?}");
            check_table(&interior).unwrap();
        }
        // Four ones in a quarter of a larger table: the quarter and its members are pinned,
        // the rest is protected as usual.
        let interior = vec![vec![1, 7], vec![1, 2], vec![1, 9], vec![1, 0], vec![0, 3]];
        let grid = protect(&interior);
        assert_eq!(grid.exposed, vec![(0, 0), (1, 0), (2, 0), (3, 0), (3, 2), (5, 0)]);
        check_table(&interior).unwrap();
    }

    #[test]
    fn a_small_part_of_a_line_takes_the_smallest_large_part_with_it() {
        let (parts, sum) = protect_line(&[3, 7, 20, 6]);
        assert_eq!(parts, vec![Shown::Small, Shown::Value(7), Shown::Value(20), Shown::Hidden]);
        assert_eq!(sum, Shown::Value(36));
        check_line(&[3, 7, 20, 6]).unwrap();
    }

    #[test]
    fn two_fours_of_a_line_need_a_third_cell() {
        // 4 + 4 = 8 would give both away: neither can rise, and one falling needs another to rise.
        let (parts, sum) = protect_line(&[4, 4, 10]);
        assert_eq!(parts, vec![Shown::Small, Shown::Small, Shown::Hidden]);
        assert_eq!(sum, Shown::Value(18));
        check_line(&[4, 4, 10]).unwrap();
    }

    #[test]
    fn a_line_of_ones_hides_its_total() {
        let (parts, sum) = protect_line(&[1, 1, 1, 1, 1]);
        assert_eq!(parts, vec![Shown::Small; 5]);
        assert_eq!(sum, Shown::Hidden);
        assert!(!line_exposed(&[1, 1, 1, 1, 1]));
        check_line(&[1, 1, 1, 1, 1]).unwrap();
        assert!(line_exposed(&[1, 0, 1, 1, 1]));
        check_line(&[1, 0, 1, 1, 1]).unwrap();
        assert_eq!(protect_line(&[]), (vec![], Shown::Value(0)));
    }

    fn small_count() -> impl Strategy<Value = u64> {
        prop_oneof![0..5u64, 0..15u64]
    }

    fn table(rows: usize, cols: usize) -> impl Strategy<Value = Vec<Vec<u64>>> {
        (1..=rows, 1..=cols).prop_flat_map(|(rows, cols)| {
            prop::collection::vec(small_count(), rows * cols)
                .prop_map(move |v| v.chunks(cols).map(<[u64]>::to_vec).collect())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// No "< 5" cell can be worked out by an attacker who tries every table the
        /// published grid allows, unless the display rules alone pin it (`exposed`).
        #[test]
        fn no_small_cell_can_be_worked_out(interior in table(3, 3)) {
            check_table(&interior)?;
        }

        /// The same for a single line and its total.
        #[test]
        fn no_small_part_of_a_line_can_be_worked_out(
            parts in prop::collection::vec(small_count(), 0..=6),
        ) {
            check_line(&parts)?;
        }

        /// Larger tables than brute force can try: what is shown is true, and the same counts
        /// are always shown the same way.
        #[test]
        fn shown_cells_are_true_and_the_same_every_time(interior in table(8, 5)) {
            let grid = protect(&interior);
            for (shown, row) in grid.cells.iter().zip(&extended(&interior)) {
                check_truthful(shown, row)?;
            }
            prop_assert_eq!(&grid, &protect(&interior.clone()));
            let line: Vec<u64> = interior.iter().flatten().copied().collect();
            prop_assert_eq!(protect_line(&line), protect_line(&line.clone()));
        }
    }
}
