// The per-pixel solve of the guided filter (GuidedFilter.Coefficients), shared by guided_coef.comp and
// guided_coef_tile.comp: from the window sums S of m, p, m I_c, p I_c, m I_c I_c' (colour order: 0 m, 1 p, 2-4 I,
// 5-7 pI, 8-13 II upper triangle; grey: 0 m, 1 p, 2 I, 3 pI, 4 II) to a = (Sigma + eps U)^-1 cov(I, p),
// b = mean p - a . mean I and v = 1, or a = b = v = 0 where the window holds no known depth. The 3x3 system is solved by
// Cramer's rule with the same cofactor formulas as the CPU.
void storeCoefficients(float S[14], int nc, float eps, uint i, uint n)
{
    float cnt = S[0];
    if (cnt < 0.5)
    {
        for (int c = 0; c <= nc + 1; c++) coef[uint(c) * n + i] = 0.0;
        return;
    }
    float mp = S[1] / cnt;
    float b = mp;
    if (nc == 1)
    {
        float mi = S[2] / cnt;
        float a = (S[3] / cnt - mi * mp) / (S[4] / cnt - mi * mi + eps);
        coef[i] = a;
        b -= a * mi;
        coef[n + i] = b;
        coef[2u * n + i] = 1.0;
        return;
    }
    float mi[3], cov[3];
    for (int c = 0; c < 3; c++)
    {
        mi[c] = S[2 + c] / cnt;
        cov[c] = S[5 + c] / cnt - mi[c] * mp;
    }
    // Symmetric [[A B C][B D E][C E F]] = Sigma + eps U.
    float sa = S[8] / cnt - mi[0] * mi[0] + eps;
    float sb = S[9] / cnt - mi[0] * mi[1];
    float sc = S[10] / cnt - mi[0] * mi[2];
    float sd = S[11] / cnt - mi[1] * mi[1] + eps;
    float se = S[12] / cnt - mi[1] * mi[2];
    float sf = S[13] / cnt - mi[2] * mi[2] + eps;
    float cA = sd * sf - se * se, cB = sc * se - sb * sf, cC = sb * se - sc * sd;
    float cD = sa * sf - sc * sc, cE = sb * sc - sa * se, cF = sa * sd - sb * sb;
    float inv = 1.0 / (sa * cA + sb * cB + sc * cC);
    float a0 = (cA * cov[0] + cB * cov[1] + cC * cov[2]) * inv;
    float a1 = (cB * cov[0] + cD * cov[1] + cE * cov[2]) * inv;
    float a2 = (cC * cov[0] + cE * cov[1] + cF * cov[2]) * inv;
    coef[i] = a0;
    coef[n + i] = a1;
    coef[2u * n + i] = a2;
    b -= a0 * mi[0];
    b -= a1 * mi[1];
    b -= a2 * mi[2];
    coef[3u * n + i] = b;
    coef[4u * n + i] = 1.0;
}
