//! Embeddedness: how much of the pair's social circle is shared.
//!
//! ```text
//! E(a,b) = Σ_{c ∈ N(a) ∩ N(b)} min(t_ac, t_bc)  /  min(S_a − s_ab, S_b − s_ab)
//! ```
//! where `s` is the direct (base) strength, `S_v = Σ_x s_vx`, and
//! `t_xy = s_xy · g_xy` discounts a tie by its group-size factor (its most
//! intimate setting). This is a weighted overlap coefficient (cf. the
//! neighbourhood overlap of Onnela et al. 2007): 1 when the less-connected
//! person's whole circle is shared at full strength. The `g` discount in the
//! numerator keeps a single big meeting (everyone "shares" 38 mutual
//! contacts) from manufacturing embeddedness: co-attendance ties shared only
//! through large groups count at their group discount. `E ∈ [0, 1]`, and
//! it does not depend on `s_ab` itself, so new a–b interactions never change it.
//!
//! Summation is always over `c` in ascending order (scanning one endpoint's
//! sorted row against the other's scattered ties; non-common neighbours add
//! an exact `+0.0`), so full and incremental scoring are bit-identical.

/// Embeddedness from the numerator `shared` and the pair's node sums.
pub(crate) fn ratio(shared: f64, sum_a: f64, sum_b: f64, s_ab: f64) -> f64 {
    let denom = (sum_a - s_ab).min(sum_b - s_ab);
    if denom > 1e-12 && shared > 0.0 {
        (shared / denom).clamp(0.0, 1.0)
    } else {
        0.0
    }
}
