namespace Timely.Bench.Suite;

/// <summary>
/// The hardware floors say the host is overloaded (<see cref="CalibrationResult.Overloaded"/>)
/// while the run was asked to save a baseline or compare with one: refused, since its timings
/// would become (or be judged against) a reference. A run failure (exit 1), not a usage error.
/// </summary>
public sealed class OverloadedHostException : Exception
{
    public OverloadedHostException()
    {
    }

    public OverloadedHostException(string message)
        : base(message)
    {
    }

    public OverloadedHostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
