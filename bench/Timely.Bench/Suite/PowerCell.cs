namespace Timely.Bench.Suite;

/// <summary>One cell of the detection-power table: how the trials of one dial at one <c>--repeat</c> were judged.</summary>
/// <param name="Trials">Trials judged.</param>
/// <param name="Regressions">Trials judged a regression.</param>
/// <param name="Improvements">Trials judged an improvement.</param>
public sealed record PowerCell(int Trials, int Regressions, int Improvements)
{
    /// <summary>Trials judged anything but within noise: at dial 0 (two builds alike), the false alarms.</summary>
    public int Flagged => Regressions + Improvements;

    /// <summary>Regressions / trials (the detection rate of a slowed build), NaN without trials.</summary>
    public double RegressionRate => Trials == 0 ? double.NaN : (double)Regressions / Trials;

    /// <summary>Flagged / trials (the false-alarm rate of two builds alike), NaN without trials.</summary>
    public double FlaggedRate => Trials == 0 ? double.NaN : (double)Flagged / Trials;
}
