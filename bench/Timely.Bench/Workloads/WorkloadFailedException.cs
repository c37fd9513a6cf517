namespace Timely.Bench.Workloads;

/// <summary>A user's workload threw: the message names the workload, the worker and the exception, on one line.</summary>
public sealed class WorkloadFailedException : Exception
{
    public WorkloadFailedException()
    {
    }

    public WorkloadFailedException(string message)
        : base(message)
    {
    }

    public WorkloadFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
