//! Axis ticks at round values (1, 2 or 5 times a power of ten) with short labels, so an axis
//! reads 0, 5k, 10k, 15k, 20k rather than 0, 4993.14, 9986.28 …

/// An axis: its bounds widened to whole steps, and the values where ticks go.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub values: Vec<f64>,
}

/// The round step that splits `span` into about `count` intervals.
fn nice_step(span: f64, count: usize) -> f64 {
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = match raw / magnitude {
        f if f <= 1.0 => 1.0,
        f if f <= 2.0 => 2.0,
        f if f <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * magnitude
}

/// Ticks covering `lo..=hi` (`hi > lo`) in about `count` round steps.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Ticks {
    let step = nice_step(hi - lo, count);
    let (first, last) = ((lo / step).floor() as i64, (hi / step).ceil() as i64);
    let values = (first..=last).map(|k| k as f64 * step).collect();
    Ticks { lo: first as f64 * step, hi: last as f64 * step, step, values }
}

/// Labels for an axis's ticks: one unit for the whole axis (k, M, B) and no more decimals
/// than the step needs.
pub fn tick_labels(ticks: &Ticks) -> Vec<String> {
    let largest = ticks.lo.abs().max(ticks.hi.abs());
    let (divisor, unit) = match largest {
        l if l >= 1e9 => (1e9, "B"),
        l if l >= 1e6 => (1e6, "M"),
        l if l >= 1e4 => (1e3, "k"),
        _ => (1.0, ""),
    };
    let decimals = (-(ticks.step / divisor).log10()).ceil().max(0.0) as usize;
    ticks
        .values
        .iter()
        .map(|&v| {
            // Float noise around zero (0.30000000000000004 - 0.3) is zero.
            if v.abs() < ticks.step * 1e-6 {
                return "0".to_string();
            }
            if decimals > 6 {
                return format!("{v:.1e}");
            }
            format!("{:.*}{unit}", decimals, v / divisor)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_values_and_cover_the_data() {
        let t = nice_ticks(0.0, 19972.55, 4);
        assert_eq!(t.values, vec![0.0, 5000.0, 10000.0, 15000.0, 20000.0]);
        assert_eq!(tick_labels(&t), vec!["0", "5k", "10k", "15k", "20k"]);
        let t = nice_ticks(3.2, 7.9, 4);
        assert_eq!((t.lo, t.hi, t.step), (2.0, 8.0, 2.0));
        assert_eq!(tick_labels(&t), vec!["2", "4", "6", "8"]);
        let t = nice_ticks(0.0, 0.47, 4);
        assert_eq!(tick_labels(&t), vec!["0", "0.2", "0.4", "0.6"]);
        let t = nice_ticks(-250.0, 980.0, 4);
        assert!(t.lo <= -250.0 && t.hi >= 980.0 && t.values.contains(&0.0), "{t:?}");
        assert_eq!(tick_labels(&nice_ticks(0.0, 2.4e6, 4)), vec!["0", "1M", "2M", "3M"]);
    }
}
