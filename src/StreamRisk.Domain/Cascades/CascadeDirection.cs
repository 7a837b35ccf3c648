namespace StreamRisk.Domain.Cascades;

/// <summary>Which way the price is shocked.</summary>
public enum CascadeDirection
{
    /// <summary>Price falls: longs are liquidated, sold into the bids.</summary>
    Down,

    /// <summary>Price rises: shorts are liquidated, bought from the asks.</summary>
    Up,
}
