"""A workbook's cells read once for every command that reads workbooks: formulas parsed into trees
(`formulas`), evaluated with exact derivatives (`dual`, `evaluation`), and the updates that chain
its parameters into iterations (`chains`). It knows cells, not networks."""
