// The per-pixel solve of the guided filter (GuidedFilter.Coefficients) for the separable guided_coef.comp (the walking
// guided_coef_walk.comp has its own, on vec4 groups): from the window sums S of m, p, m I_c, p I_c, m I_c I_c' (colour
// order: 0 m, 1 p, 2-4 I, 5-7 pI, 8-13 II upper triangle; grey: 0 m, 1 p, 2 I, 3 pI, 4 II) to a = (Sigma + eps U)^-1
// cov(I, p), b = mean p - a . mean I and v = 1, or a = b = v = 0 where the window holds no known depth. The 3x3 system is
// solved by Cramer's rule with the same cofactor formulas as the CPU. Every intermediate is `precise` (no fma
// contraction), so the solve rounds as the formulas are written.
void storeCoefficients(float S[14], int nc, float eps, uint i, uint n)
{
    precise float cnt = S[0];
    if (cnt < 0.5)
    {
        for (int c = 0; c <= nc + 1; c++) coef[uint(c) * n + i] = 0.0;
        return;
    }
    precise float ic = 1.0 / cnt; // as the CPU: one division, then products
    precise float mp = S[1] * ic;
    precise float b = mp;
    if (nc == 1)
    {
        precise float mi = S[2] * ic;
        precise float a = (S[3] * ic - mi * mp) / (S[4] * ic - mi * mi + eps);
        coef[i] = a;
        b -= a * mi;
        coef[n + i] = b;
        coef[2u * n + i] = 1.0;
        return;
    }
    precise float mi[3], cov[3];
    for (int c = 0; c < 3; c++)
    {
        mi[c] = S[2 + c] * ic;
        cov[c] = S[5 + c] * ic - mi[c] * mp;
    }
    // Symmetric [[A B C][B D E][C E F]] = Sigma + eps U.
    precise float sa = S[8] * ic - mi[0] * mi[0] + eps;
    precise float sb = S[9] * ic - mi[0] * mi[1];
    precise float sc = S[10] * ic - mi[0] * mi[2];
    precise float sd = S[11] * ic - mi[1] * mi[1] + eps;
    precise float se = S[12] * ic - mi[1] * mi[2];
    precise float sf = S[13] * ic - mi[2] * mi[2] + eps;
    precise float cA = sd * sf - se * se, cB = sc * se - sb * sf, cC = sb * se - sc * sd;
    precise float cD = sa * sf - sc * sc, cE = sb * sc - sa * se, cF = sa * sd - sb * sb;
    precise float inv = 1.0 / (sa * cA + sb * cB + sc * cC);
    precise float a0 = (cA * cov[0] + cB * cov[1] + cC * cov[2]) * inv;
    precise float a1 = (cB * cov[0] + cD * cov[1] + cE * cov[2]) * inv;
    precise float a2 = (cC * cov[0] + cE * cov[1] + cF * cov[2]) * inv;
    coef[i] = a0;
    coef[n + i] = a1;
    coef[2u * n + i] = a2;
    b -= a0 * mi[0];
    b -= a1 * mi[1];
    b -= a2 * mi[2];
    coef[3u * n + i] = b;
    coef[4u * n + i] = 1.0;
}
