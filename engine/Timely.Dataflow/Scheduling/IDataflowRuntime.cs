namespace Timely.Dataflow.Scheduling;

/// <summary>What the worker needs from a dataflow of any timestamp type: its root scope's runtime.</summary>
internal interface IDataflowRuntime
{
    // Design: called only by the worker's own thread, which owns the dataflow.

    /// <summary>Whether every capability and message of the dataflow is gone on all workers.</summary>
    bool IsComplete { get; }

    /// <summary>Closes the dataflow's input handles.</summary>
    void CloseInputs();

    /// <summary>Receives progress, schedules operators, reports progress.</summary>
    void Step();
}
