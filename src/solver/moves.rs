//! A move as a value: one unit leaves one network for another.
//!
//! Every way a plan changes is a list of moves: the search's boundary moves, chains and swaps
//! ([`super::search`]), repairs, pair and group re-solving, rebalancing an adopted plan and the editor's
//! steps. A [`super::state::Partition`] prices a move and applies it (keeping its running totals); a move
//! is undone by applying its [`Move::reversed`]. A bare assignment (before totals exist, as in the
//! repairs) takes moves through [`Move::apply_to`].

/// Unit `unit` leaves network `from` for network `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Move {
    pub unit: usize,
    pub from: usize,
    pub to: usize,
}

impl Move {
    /// The move that takes `unit` from where `assign` has it to `to`.
    #[inline]
    pub fn of(assign: &[usize], unit: usize, to: usize) -> Move {
        Move {
            unit,
            from: assign[unit],
            to,
        }
    }

    /// The move that undoes this one.
    #[inline]
    pub fn reversed(self) -> Move {
        Move {
            unit: self.unit,
            from: self.to,
            to: self.from,
        }
    }

    /// Makes the move on a bare assignment (one network per unit).
    #[inline]
    pub fn apply_to(self, assign: &mut [usize]) {
        debug_assert_eq!(
            assign[self.unit], self.from,
            "a move starts where its unit is"
        );
        assign[self.unit] = self.to;
    }

    /// The moves that turn assignment `from` into `to`, in unit order (units that stay make none).
    pub fn between(from: &[usize], to: &[usize]) -> Vec<Move> {
        from.iter()
            .zip(to)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(unit, (&from, &to))| Move { unit, from, to })
            .collect()
    }
}

/// Undoes moves made in order: the last first.
pub fn reversed(moves: &[Move]) -> impl Iterator<Item = Move> + '_ {
    moves.iter().rev().map(|m| m.reversed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_between_two_assignments_turn_one_into_the_other_and_back() {
        let a = vec![0, 1, 1, 2, 0];
        let b = vec![0, 2, 1, 0, 1];
        let moves = Move::between(&a, &b);
        assert_eq!(moves.len(), 3);
        let mut x = a.clone();
        for m in &moves {
            m.apply_to(&mut x);
        }
        assert_eq!(x, b);
        for m in reversed(&moves) {
            m.apply_to(&mut x);
        }
        assert_eq!(x, a);
    }
}
