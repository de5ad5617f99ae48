//! Correlated inputs through a Gaussian copula: each member's uniform u is
//! mapped to z = Phi^-1(u), the vector z is multiplied by the Cholesky
//! factor L of the target correlation matrix, and Phi(z') is fed to the
//! member's own quantile function. Every marginal stays exactly as
//! specified; the rank correlation between two members is the requested
//! Spearman rho, because the Pearson correlation used is
//! r = 2 sin(pi rho / 6), the Gaussian copula's exact link.

/// The Pearson correlation of a Gaussian copula with Spearman correlation `rho`.
pub fn pearson_from_spearman(rho: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho / 6.0).sin()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Copula {
    /// Lower-triangular Cholesky factor, row by row.
    pub lower: Vec<Vec<f64>>,
}

impl Copula {
    /// Factors a correlation matrix. When it is not positive definite the
    /// error is the row (and the earlier column with the largest correlation
    /// in that row) where the factorisation broke down.
    pub fn new(matrix: &[Vec<f64>]) -> Result<Copula, (usize, usize)> {
        let n = matrix.len();
        let mut lower = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                let sum: f64 = (0..j).map(|k| lower[i][k] * lower[j][k]).sum();
                if i == j {
                    let pivot = matrix[i][i] - sum;
                    if pivot <= 1e-10 {
                        let culprit = (0..i)
                            .max_by(|&a, &b| matrix[i][a].abs().total_cmp(&matrix[i][b].abs()))
                            .unwrap_or(0);
                        return Err((culprit, i));
                    }
                    lower[i][i] = pivot.sqrt();
                } else {
                    lower[i][j] = (matrix[i][j] - sum) / lower[j][j];
                }
            }
        }
        Ok(Copula { lower })
    }

    /// Replaces independent standard normals (one column per member) by
    /// correlated ones, sample by sample.
    pub fn correlate(&self, z: &mut [Vec<f64>], len: usize) {
        let n = self.lower.len();
        let (mut input, mut output) = (vec![0.0; n], vec![0.0; n]);
        for s in 0..len {
            for (x, column) in input.iter_mut().zip(z.iter()) {
                *x = column[s];
            }
            for (o, l) in output.iter_mut().zip(&self.lower) {
                *o = l.iter().zip(&input).map(|(a, b)| a * b).sum();
            }
            for (column, o) in z.iter_mut().zip(&output) {
                column[s] = *o;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix_and_rejects_indefinite_ones() {
        let m = vec![
            vec![1.0, 0.6, 0.3],
            vec![0.6, 1.0, 0.5],
            vec![0.3, 0.5, 1.0],
        ];
        let c = Copula::new(&m).unwrap();
        for (li, mi) in c.lower.iter().zip(&m) {
            for (lj, mij) in c.lower.iter().zip(mi) {
                let v: f64 = li.iter().zip(lj).map(|(a, b)| a * b).sum();
                assert!((v - mij).abs() < 1e-12);
            }
        }
        // a ~ b and a ~ c strongly, b ~ c strongly negative: impossible. The
        // factorisation fails at c's row; a and b tie for the largest
        // correlation there and the later one, b, is named.
        let bad = vec![
            vec![1.0, 0.9, 0.9],
            vec![0.9, 1.0, -0.9],
            vec![0.9, -0.9, 1.0],
        ];
        assert_eq!(Copula::new(&bad), Err((1, 2)));
    }

    #[test]
    fn spearman_to_pearson_is_the_gaussian_link() {
        assert_eq!(pearson_from_spearman(0.0), 0.0);
        assert!((pearson_from_spearman(1.0) - 1.0).abs() < 1e-15);
        assert!((pearson_from_spearman(0.6) - 0.6180339887498948).abs() < 1e-12);
    }
}
