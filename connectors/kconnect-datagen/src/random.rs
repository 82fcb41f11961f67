//! A small, fast, seedable random number generator (SplitMix64).
//!
//! Every generated record draws from its own generator, seeded from the connector's `seed`
//! and the record's sequence number. A record is therefore a pure function of those two
//! numbers: resuming from an offset, or generating the same sequence in another process,
//! gives byte-identical data without storing any generator state.

/// The SplitMix64 increment (the golden ratio in 64-bit fixed point).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Scrambles all bits of `z` (the SplitMix64 output function).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 generator: 64 bits of state, statistically sound for test data (not for
/// cryptography).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The generator of record number `sequence` for a connector seeded with `seed`.
    pub fn for_record(seed: u64, sequence: u64) -> Self {
        Self::new(mix(
            seed ^ mix(sequence.wrapping_mul(GAMMA).wrapping_add(GAMMA))
        ))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A number in `0..bound` (0 when `bound` is 0), without modulo bias worth mentioning.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// An index into a slice of length `len`.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `[0, 1)` with 53 random bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_sequence_give_the_same_numbers() {
        let a: Vec<u64> = {
            let mut r = SplitMix64::for_record(7, 1234);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = SplitMix64::for_record(7, 1234);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        let mut other_seq = SplitMix64::for_record(7, 1235);
        let mut other_seed = SplitMix64::for_record(8, 1234);
        assert_ne!(a[0], other_seq.next_u64());
        assert_ne!(a[0], other_seed.next_u64());
    }

    #[test]
    fn known_splitmix_vector() {
        // First outputs of SplitMix64 seeded with 0 (reference implementation by Vigna).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn ranges_are_respected() {
        let mut r = SplitMix64::new(99);
        for _ in 0..10_000 {
            assert!(r.below(10) < 10);
            let u = r.unit_f64();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.below(0), 0);
        let hits = (0..10_000).filter(|_| r.chance(30)).count();
        assert!((2_500..3_500).contains(&hits), "{hits}");
    }
}
