//! Random streams derived from one scenario seed.
//!
//! Every random choice in a plan (a solver restart, a pair re-solve, an affiliation grouping start) draws
//! from its own ChaCha8 stream seeded by [`derive`]`(seed, i)`, so nothing depends on which thread ran
//! first and the same seed gives the same plan on every machine.

/// The seed of stream `i` of base seed `seed` (SplitMix64 of the two).
pub fn derive(seed: u64, i: usize) -> u64 {
    let mut z = seed.wrapping_add((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small random stream for the tests' random cases: `next(m)` is a number below `m` (xorshift64 from
/// `state`, which must not be 0), reproducible without a crate's generator.
#[cfg(test)]
pub(crate) fn test_stream(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn streams_differ_and_repeat() {
        assert_eq!(super::derive(2018, 3), super::derive(2018, 3));
        assert_ne!(super::derive(2018, 3), super::derive(2018, 4));
        assert_ne!(super::derive(2018, 3), super::derive(2019, 3));
    }
}
