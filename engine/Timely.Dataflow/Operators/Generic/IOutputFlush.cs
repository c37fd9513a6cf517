namespace Timely.Dataflow.Operators.Generic;

/// <summary>An operator's output as its operator core flushes it after each run: what is buffered sent, the channels downstream flushed.</summary>
internal interface IOutputFlush
{
    /// <summary>Sends what is buffered and flushes the channels downstream.</summary>
    void FlushAndDone();
}
