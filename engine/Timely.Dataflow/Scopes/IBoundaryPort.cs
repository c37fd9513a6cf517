namespace Timely.Dataflow.Scopes;

/// <summary>One stream crossing a scope boundary, moved across by its subgraph when it runs.</summary>
internal interface IBoundaryPort
{
    /// <summary>Moves the records waiting on this side of the boundary to the other side.</summary>
    void Move();
}
