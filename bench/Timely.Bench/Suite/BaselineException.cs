namespace Timely.Bench.Suite;

/// <summary>A baseline that cannot be used: missing, unreadable, not a suite result, or with other rows.</summary>
public sealed class BaselineException : Exception
{
    public BaselineException()
    {
    }

    public BaselineException(string message)
        : base(message)
    {
    }

    public BaselineException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
