namespace Timely.Bench.Suite;

/// <summary>Which sizes the matrix uses: the sizes the suite was specified with (full), about a minute in all (quick), or tiny (smoke).</summary>
public enum SuiteSize
{
    Full,
    Quick,
    Smoke,
}
