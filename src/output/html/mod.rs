//! The machinery of report.html, below every command's section: reading a
//! result folder's files (`folder`), the chart kinds (`histogram`, `rows`,
//! `lines`, `fan`) and what they share (`chart`, `scale`), HTML text and tables
//! (`markup`), what sections share (`section`) and the page around them
//! (`page`).

pub mod chart;
pub mod fan;
pub mod folder;
pub mod histogram;
pub mod lines;
pub mod markup;
pub mod page;
pub mod rows;
pub mod scale;
pub mod section;
