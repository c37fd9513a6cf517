namespace Timely.Dataflow;

/// <summary>When a worker sends the progress its operators made (timely's <c>ProgressMode</c>).</summary>
public enum ProgressMode
{
    /// <summary>Every step's changes go to every worker at once. Lowest latency, most traffic.</summary>
    Eager,

    /// <summary>
    /// Changes are held until they contain a decrement that another worker could observe: one at
    /// a time in the frontier of its port's implications that nothing else implies there too
    /// (timely's <c>is_global</c>). Increments and invisible decrements wait and travel with
    /// the next visible one, which cuts traffic when operators churn capabilities.
    /// </summary>
    Demand,
}
