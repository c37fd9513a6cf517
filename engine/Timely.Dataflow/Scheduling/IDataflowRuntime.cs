namespace Timely.Dataflow.Scheduling;

/// <summary>What the worker needs from a dataflow of any timestamp type.</summary>
internal interface IDataflowRuntime
{
    /// <summary>Whether every capability and message of the dataflow is gone on all workers.</summary>
    bool IsComplete { get; }

    /// <summary>Whether a step would do something now (scheduled operators, progress to report).</summary>
    bool HasWork { get; }

    /// <summary>Schedules operator <paramref name="operatorIndex"/> at the next step.</summary>
    void Activate(int operatorIndex);

    /// <summary>Sends what input handles have buffered, so that parking cannot strand it.</summary>
    void FlushExternal();

    /// <summary>Closes the dataflow's input handles.</summary>
    void CloseInputs();

    /// <summary>Receives progress, schedules operators, reports progress.</summary>
    void Step();
}
